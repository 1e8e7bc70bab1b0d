# POST /api/v1/auths/signin against the bcrypt ceiling: what as many processes as workers
# reach doing nothing but cost-12 checks, measured just before and just after. A sign-in is
# one bcrypt check plus a few queries, so the request path around the hash should cost
# almost nothing. 40 accounts share the load so the sign-in rate
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

# The ceiling is measured the way the workers hash: as many processes as workers, each
# checking the password against the same cost-12 hash in a loop for the run's duration, in
# the same run (this machine's speed drifts by tens of percent between minutes).
bcrypt_rate() {
    local secs=$1 n=$2 i total=0
    for i in $(seq "$n"); do
        /usr/bin/python3 -W ignore -c '
import crypt, sys, time
h, secs = sys.argv[1], float(sys.argv[2])
end, n = time.monotonic() + secs, 0
while time.monotonic() < end:
    crypt.crypt("bench-pass-1", h); n += 1
print(n)' "$signin_hash" "$secs" >"$STATE/bcrypt.$i" &
    done
    wait
    for i in $(seq "$n"); do total=$((total + $(cat "$STATE/bcrypt.$i"))); done
    awk -v t="$total" -v s="$secs" 'BEGIN { printf "%.3f", t / s }'
}

signin_lua=$STATE/signin.lua
cat >"$signin_lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"email":"bench%d@example.org","password":"bench-pass-1"}', n % 40)
  return wrk.format("POST", "/api/v1/auths/signin", {["Content-Type"] = "application/json"}, body)
end
LUA
ceiling_before=$(bcrypt_rate "$duration" "$workers")
read -r s_rps s_p50 s_p99 s_n < <(wrk_run /api/v1/auths/signin "$duration" -c "$workers" -s "$signin_lua")
ceiling_after=$(bcrypt_rate "$duration" "$workers")
awk -v rps="$s_rps" -v b="$ceiling_before" -v a="$ceiling_after" -v w="$workers" -v p50="$s_p50" 'BEGIN {
    ceiling = (a + b) / 2
    printf "%-22s usher %9s req/s p50 %8s | bcrypt ceiling %.2f req/s (%d processes hashing: %.2f before, %.2f after) | usher = %.2f x ceiling\n",
        "POST auths/signin", rps, p50, ceiling, w, b, a, rps / ceiling }'
