# POST /api/v1/auths/signin against the bcrypt ceiling: workers / (time of one cost-12 hash,
# measured here, now). A sign-in is one bcrypt check plus a few queries, so the request path
# around the hash should cost almost nothing. 40 accounts share the load so the sign-in rate
# limit (15 attempts per email in the window) never answers 429 during the run.
# Sourced by bench/run.sh (see bench/cases/README).
signin_hash=$(/usr/bin/python3 -W ignore -c '
import crypt
print(crypt.crypt("bench-pass-1", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=4096)))')
values=""
for i in $(seq 0 39); do
    values+="${values:+,}('bench-signin-$i', 'bench$i@example.org', 'user', 'Bench $i', '', 0, 0, 0)"
done
sql "INSERT IGNORE INTO \`user\` (id, email, role, name, profile_image_url, last_active_at, updated_at, created_at) VALUES $values"
sql "INSERT IGNORE INTO auth (id, email, password, active)
     SELECT id, email, '$signin_hash', 1 FROM \`user\` WHERE id LIKE 'bench-signin-%'"

hash_seconds=$(/usr/bin/python3 -W ignore -c '
import crypt, sys, time
h = sys.argv[1]
crypt.crypt("bench-pass-1", h)
t = time.perf_counter()
for _ in range(8):
    crypt.crypt("bench-pass-1", h)
print((time.perf_counter() - t) / 8)' "$signin_hash")

signin_lua=$STATE/signin.lua
cat >"$signin_lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"email":"bench%d@example.org","password":"bench-pass-1"}', n % 40)
  return wrk.format("POST", "/api/v1/auths/signin", {["Content-Type"] = "application/json"}, body)
end
LUA
read -r s_rps s_p50 s_p99 s_n < <(wrk_run /api/v1/auths/signin "$duration" -c "$workers" -s "$signin_lua")
awk -v rps="$s_rps" -v h="$hash_seconds" -v w="$workers" -v p50="$s_p50" 'BEGIN {
    ceiling = w / h
    printf "%-22s usher %9s req/s p50 %8s | bcrypt ceiling %.2f req/s (%d workers / %.1f ms a hash) | usher = %.2f x ceiling\n",
        "POST auths/signin", rps, p50, ceiling, w, h * 1000, rps / ceiling }'
