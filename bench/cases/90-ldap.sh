# POST /api/v1/auths/ldap against a private slapd (tests/integration/ldaplib.py: the same
# directory the tests use, on loopback ports), next to POST /signin (bcrypt, 30-signin.sh)
# and GET /health (the baseline), in the same run. Last of the cases: it restarts the pool
# with signin.rate_limit raised (one account signs in over and over) and leaves it so.
#   - LDAP sign-ins per second with p50/p99 for an existing account: group sync off (bob),
#     and on (carol, 5 groups). One connect, two binds and a search; no bcrypt.
#   - The directory down (connection refused) and silent (slapd SIGSTOPped): how long one
#     attempt takes, and GET /health on the other worker meanwhile.
# Sourced by bench/run.sh (see bench/cases/README).
ldap_dir=$(mktemp -d /tmp/usher-bench-ldap.XXXXXX)
/usr/bin/python3 - "$ldap_dir" <<'PY'
import json, sys
sys.path.insert(0, "tests/integration")
import ldaplib
d = ldaplib.Directory()
d.start()
json.dump({"port": d.port, "pid": d.proc.pid, "dir": d.dir}, open(sys.argv[1] + "/slapd.json", "w"))
PY
read -r ldap_port slapd_pid slapd_dir < <(/usr/bin/python3 -c '
import json, sys; j = json.load(open(sys.argv[1])); print(j["port"], j["pid"], j["dir"])' "$ldap_dir/slapd.json")
ldap_cleanup() {   # (also run on any failure below)
    kill -CONT "$slapd_pid" 2>/dev/null || true
    kill -TERM "$slapd_pid" 2>/dev/null || true
    rm -rf "$ldap_dir" "$slapd_dir"
}

trap 'ldap_cleanup; cleanup' EXIT
USHER_BUILD=$BUILD scripts/stack.sh pool-stop "$STATE" >/dev/null
USHER_BUILD=$BUILD USHER_BCRYPT_MAX_RUNNING=$workers USHER_SIGNIN_RATE_LIMIT=1000000 \
    scripts/stack.sh pool-start "$STATE" >/dev/null
for _ in $(seq 100); do
    curl -sf "$BASE/health" >/dev/null && break
    sleep 0.1
done

echo "bench-pass-1" | "$BUILD/usherctl" -c "$STATE/usher.conf" create-admin \
    --email ldap-bench@example.org --name "LDAP Bench" >/dev/null
admin_token=""
for _ in $(seq 20); do
    admin_token=$(api POST /api/v1/auths/signin \
        '{"email":"ldap-bench@example.org","password":"bench-pass-1"}' |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("token", ""))' || true)
    [[ -n $admin_token ]] && break
    sleep 0.5
done
ldap_server() {   # ldap_server PORT GROUP_SYNC
    API_TOKEN=$admin_token api POST /api/v1/auths/admin/config/ldap/server "{
        \"label\": \"Bench\", \"host\": \"127.0.0.1\", \"port\": $1, \"use_tls\": false,
        \"attribute_for_mail\": \"mail\", \"attribute_for_username\": \"uid\",
        \"app_dn\": \"cn=app,dc=example,dc=org\", \"app_dn_password\": \"app-secret-pw\",
        \"search_base\": \"ou=people,dc=example,dc=org\", \"enable_group_management\": $2,
        \"enable_group_creation\": $2, \"attribute_for_groups\": \"memberOf\"}" >/dev/null
}
API_TOKEN=$admin_token api POST /api/v1/auths/admin/config/ldap '{"enable_ldap": true}' >/dev/null

ldap_lua() {   # ldap_lua USER PASSWORD
    cat >"$STATE/ldap-$1.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"user":"$1","password":"$2"}'
wrk.headers["Content-Type"] = "application/json"
LUA
    echo "$STATE/ldap-$1.lua"
}
ldap_case() {   # ldap_case NAME USER PASSWORD
    local lua rps p50 p99 n
    lua=$(ldap_lua "$2" "$3")
    api POST /api/v1/auths/ldap "{\"user\":\"$2\",\"password\":\"$3\"}" >/dev/null   # the account exists
    wrk_run /api/v1/auths/ldap 1 -s "$lua" >/dev/null
    read -r rps p50 p99 n < <(wrk_run /api/v1/auths/ldap "$duration" -s "$lua")
    printf "%-22s usher %9s req/s p50 %8s p99 %8s (%s requests)\n" "$1" "$rps" "$p50" "$p99" "$n"
}
ldap_server "$ldap_port" false
ldap_case "POST auths/ldap" bob bob-pw-1
ldap_server "$ldap_port" true
ldap_case "POST auths/ldap +5grp" carol carol-pw-1

# One connection keeps one worker in LDAP sign-ins; /health goes to the other meanwhile.
# At least 12 s, so a silent directory (5 s per attempt) completes two attempts.
ldap_unavailable() {   # ldap_unavailable NAME
    local lua rps p50 p99 n h_rps h_p50 h_p99 h_n secs=$((duration > 12 ? duration : 12))
    lua=$(ldap_lua bob bob-pw-1)
    wrk -t1 -c1 -d"${secs}s" --timeout 30s --latency -s "$lua" "$BASE/api/v1/auths/ldap" >"$STATE/ldap-down.out" &
    local wrk_pid=$!
    sleep 0.5
    read -r h_rps h_p50 h_p99 h_n < <(wrk_run /health "$((secs - 1))" -c1 -t1)
    wait "$wrk_pid"
    rps=$(awk '/Requests\/sec/ {print $2}' "$STATE/ldap-down.out")
    p50=$(awk '$1 == "50%" {print $2}' "$STATE/ldap-down.out")
    printf "%-22s one attempt p50 %8s (%s attempts/s) | GET /health meanwhile %9s req/s p99 %8s\n" \
        "$1" "$p50" "$rps" "$h_rps" "$h_p99"
}
ldap_server "$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')" false
ldap_unavailable "ldap down (refused)"
ldap_server "$ldap_port" false
kill -STOP "$slapd_pid"
ldap_unavailable "ldap silent (STOP)"
ldap_cleanup
