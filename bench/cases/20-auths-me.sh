# GET /api/v1/auths/ (the session user) with a JWT and with an API key, against select-fcgi
# looking up the same row: the floor for any endpoint that must look its caller up.
# Sourced by bench/run.sh (see bench/cases/README).
json_field() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }

me_token=$(api POST /api/v1/auths/signup \
    '{"name":"Bench Admin","email":"bench-admin@example.org","password":"bench-pass-1"}' |
    json_field token)
me_id=$(API_TOKEN=$me_token api GET /api/v1/auths/ | json_field id)
# run.sh's own row for select-fcgi came first, so this account is not the first one: make it
# an admin directly, as an operator would with SQL.
sql "UPDATE \`user\` SET role = 'admin' WHERE id = '$me_id'"
compare "GET auths/ (JWT)" /api/v1/auths/ "/bench/select?id=$me_id" \
    -H "Authorization: Bearer $me_token"

# API keys are off by default; the admin turns them on through the API, as an operator would.
API_TOKEN=$me_token /usr/bin/python3 - "$BASE" "$me_token" <<'PY'
import requests, sys
base, token = sys.argv[1], sys.argv[2]
h = {"Authorization": "Bearer " + token}
cfg = requests.get(base + "/api/v1/auths/admin/config", headers=h, timeout=10).json()
cfg["ENABLE_API_KEYS"] = True
requests.post(base + "/api/v1/auths/admin/config", json=cfg, headers=h, timeout=10).raise_for_status()
PY
me_key=$(API_TOKEN=$me_token api POST /api/v1/auths/api_key | json_field api_key)
compare "GET auths/ (API key)" /api/v1/auths/ "/bench/select?id=$me_id" \
    -H "Authorization: Bearer $me_key"
