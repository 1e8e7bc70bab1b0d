# The browser pages against the same work through the JSON API, in one run (issue 10's
# figures): GET /usher/account (signed in with the token cookie, as a browser is) next to
# GET /api/v1/auths/ with the same cookie, and a sign-in form post (POST /usher/login,
# answered 303: wrk counts it as non-2xx, which is the page's success) next to the JSON
# sign-in. The ratio line gives the page's cost as a multiple of the API call's (aim: at
# most 1.5). Sourced by bench/run.sh (see bench/cases/README).
pj() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }

page_token=$(api POST /api/v1/auths/signup \
    '{"name":"Bench Pages","email":"bench-pages@example.org","password":"bench-pass-1"}' | pj token)
if [[ -z $page_token ]]; then
    page_token=$(api POST /api/v1/auths/signin \
        '{"email":"bench-pages@example.org","password":"bench-pass-1"}' | pj token)
fi
page_id=$(API_TOKEN=$page_token api GET /api/v1/auths/ | pj id)
sql "UPDATE \`user\` SET role = 'user' WHERE id = '$page_id'"

ratio_line() {   # NAME PAGE_RPS API_RPS
    awk -v n="$1" -v p="$2" -v a="$3" 'BEGIN {
        if (p > 0) printf "%-22s page %9s req/s | API %9s req/s | page costs %.2f x the API call\n", n, p, a, a / p }'
}

read -r p_rps _ _ _ < <(wrk_run /usher/account 1 -H "Cookie: token=$page_token" -H "Accept: text/html")
read -r a_rps _ _ _ < <(wrk_run /api/v1/auths/ 1 -H "Cookie: token=$page_token")
read -r p_rps p_p50 p_p99 _ < <(wrk_run /usher/account "$duration" -H "Cookie: token=$page_token" -H "Accept: text/html")
read -r a_rps a_p50 a_p99 _ < <(wrk_run /api/v1/auths/ "$duration" -H "Cookie: token=$page_token")
printf '%-22s page p50 %8s p99 %8s | API p50 %8s p99 %8s\n' "GET /usher/account" "$p_p50" "$p_p99" "$a_p50" "$a_p99"
ratio_line "GET /usher/account" "$p_rps" "$a_rps"

# Sign-in: 80 accounts of their own (40 for each side) so the rate limit never answers 429.
pages_hash=$(/usr/bin/python3 -W ignore -c '
import crypt
print(crypt.crypt("bench-pass-1", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=4096)))')
values=""
for i in $(seq 0 79); do
    values+="${values:+,}('bench-pages-$i', 'bench-pages$i@example.org', 'user', 'Bench $i', '', 0, 0, 0)"
done
sql "INSERT IGNORE INTO \`user\` (id, email, role, name, profile_image_url, last_active_at, updated_at, created_at) VALUES $values"
sql "INSERT IGNORE INTO auth (id, email, password, active)
     SELECT id, email, '$pages_hash', 1 FROM \`user\` WHERE id LIKE 'bench-pages-%'"
sql "DELETE FROM signin_attempt"

jar=$STATE/pages.jar
form_token=$(curl -s -c "$jar" "$BASE/usher/login" | grep -o 'name="form_token" value="[0-9a-f]*' | sed 's/.*value="//')
form_nonce=$(awk '$6 == "usher_form" {print $7}' "$jar")
page_lua=$STATE/pages-signin.lua
json_lua=$STATE/pages-signin-json.lua
cat >"$page_lua" <<LUA
local n = 0
request = function()
  n = n + 1
  local body = string.format('form_token=$form_token&email=bench-pages%d%%40example.org&password=bench-pass-1', n % 40)
  return wrk.format("POST", "/usher/login", {["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "text/html", ["Cookie"] = "usher_form=$form_nonce"}, body)
end
LUA
cat >"$json_lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"email":"bench-pages%d@example.org","password":"bench-pass-1"}', 40 + n % 40)
  return wrk.format("POST", "/api/v1/auths/signin", {["Content-Type"] = "application/json"}, body)
end
LUA
read -r ps_rps ps_p50 _ _ < <(wrk_run /usher/login "$duration" -c "$workers" -s "$page_lua" 2>/dev/null)
read -r js_rps js_p50 _ _ < <(wrk_run /api/v1/auths/signin "$duration" -c "$workers" -s "$json_lua")
printf '%-22s page p50 %8s | API p50 %8s\n' "sign-in form post" "$ps_p50" "$js_p50"
ratio_line "sign-in form post" "$ps_rps" "$js_rps"
