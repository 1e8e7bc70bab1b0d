# SCIM 2.0 (issue 21) at 100,000 users, each with an externalId: GET /Users with a
# `userName eq`, an `externalId eq` (both one row of a unique index) and a `co` filter (a
# pass over the table), next to GET /api/v1/auths/ in the same run; then a provisioning run
# of 1,000 users as an IdP sends it (filter GET, POST, group PATCH add per user, then 100
# deactivations): users/s and each step's p99.
# Sourced by bench/run.sh after 20-auths-me.sh ($me_token) and 40-users.sh (which seeds the
# bench-N users; seeded here too when it did not run).
SCIM_USERS=${SCIM_USERS:-100000}
SCIM_PROVISION=${SCIM_PROVISION:-1000}
scim_token=$(openssl rand -hex 24)

# The pool again, with SCIM on (the variables are read at start).
USHER_BUILD=$BUILD STACK_MAX_CHILDREN=$workers USHER_BCRYPT_MAX_RUNNING=$workers \
    scripts/stack.sh pool-stop "$STATE" "$PORT" >/dev/null
ENABLE_SCIM=true SCIM_TOKEN=$scim_token SCIM_AUTH_PROVIDER=bench \
    USHER_BUILD=$BUILD STACK_MAX_CHILDREN=$workers USHER_BCRYPT_MAX_RUNNING=$workers \
    scripts/stack.sh pool-start "$STATE" "$PORT" >/dev/null

sql "INSERT IGNORE INTO \`user\` (id, email, role, name, profile_image_url, last_active_at,
     updated_at, created_at)
     SELECT CONCAT('bench-', seq), CONCAT('user', seq, '@bench.example'), 'user',
            CONCAT('Bench User ', seq), '', 1700000000, 1700000000 + seq, 1700000000 + seq
     FROM seq_1_to_${SCIM_USERS}"
sql "INSERT IGNORE INTO auth (id, email, password, active)
     SELECT id, email, '!', 1 FROM \`user\` WHERE id LIKE 'bench-%'"
sql "INSERT IGNORE INTO user_external_id (user_id, provider, external_id)
     SELECT id, 'bench', CONCAT('ext-', id) FROM \`user\` WHERE id LIKE 'bench-%'"
sql "UPDATE \`user\` SET scim = JSON_OBJECT('bench', JSON_OBJECT('external_id', CONCAT('ext-', id)))
     WHERE id LIKE 'bench-%' AND scim IS NULL"
"$BUILD/usherctl" -c "$STATE/usher.conf" recount >/dev/null
sql "ANALYZE TABLE \`user\`, auth, user_external_id" >/dev/null
echo "bench: SCIM on, $(sql 'SELECT COUNT(*) FROM user_external_id') users with an externalId"

scim_mid=$((SCIM_USERS / 2))
urlq() { /usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
measure "GET auths/ (same run)" /api/v1/auths/ -H "Authorization: Bearer $me_token"
measure "SCIM userName eq" \
    "/api/v1/scim/v2/Users?filter=$(urlq "userName eq \"USER$scim_mid@bench.example\"")" \
    -H "Authorization: Bearer $scim_token"
measure "SCIM externalId eq" \
    "/api/v1/scim/v2/Users?filter=$(urlq "externalId eq \"ext-bench-$scim_mid\"")" \
    -H "Authorization: Bearer $scim_token"
# a pass over 100,000 rows (~0.1 s of MariaDB each): two connections, a longer timeout,
# or the requests queue past wrk's 2 s and count as none
measure "SCIM userName co" \
    "/api/v1/scim/v2/Users?filter=$(urlq "userName co \"user4242@\"")" \
    -H "Authorization: Bearer $scim_token" -c 2 --timeout 10s

# The provisioning run: 4 clients at once (Okta and Entra send a few requests in parallel),
# no passwords (SSO accounts; a password adds one bcrypt hash per POST).
/usr/bin/python3 - "$BASE" "$scim_token" "$SCIM_PROVISION" <<'PY'
import concurrent.futures, json, sys, time, uuid
import requests

base, token, n = sys.argv[1] + "/api/v1/scim/v2", sys.argv[2], int(sys.argv[3])
h = {"Authorization": "Bearer " + token, "Content-Type": "application/scim+json"}
lat = {"filter GET": [], "POST": [], "group PATCH": [], "deactivate PATCH": []}
local = __import__("threading").local()

def sess():
    if not hasattr(local, "s"):
        local.s = requests.Session()
    return local.s

def timed(step, method, url, body=None, want=200):
    t = time.perf_counter()
    r = sess().request(method, base + url, headers=h, data=json.dumps(body) if body else None,
                       timeout=60)
    lat[step].append(time.perf_counter() - t)
    assert r.status_code == want, (step, r.status_code, r.text[:200])
    return r.json() if r.text else None

g = requests.post(base + "/Groups", headers=h, timeout=60,
                  data=json.dumps({"displayName": "bench-" + uuid.uuid4().hex[:6]})).json()
tag = uuid.uuid4().hex[:6]

def provision(i):
    mail = f"prov{i}-{tag}@bench.example"
    lst = timed("filter GET", "GET", "/Users?filter=" + requests.utils.quote(f'userName eq "{mail}"'))
    assert lst["totalResults"] == 0
    u = timed("POST", "POST", "/Users", {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": mail,
        "name": {"givenName": "Prov", "familyName": str(i)}, "externalId": f"prov-{tag}-{i}",
        "emails": [{"primary": True, "value": mail, "type": "work"}], "active": True}, 201)
    timed("group PATCH", "PATCH", "/Groups/" + g["id"], {"Operations": [
        {"op": "add", "path": "members", "value": [{"value": u["id"]}]}]})
    return u["id"]

t0 = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    ids = list(ex.map(provision, range(n)))
t1 = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    list(ex.map(lambda uid: timed("deactivate PATCH", "PATCH", "/Users/" + uid, {"Operations": [
        {"op": "replace", "value": {"active": False}}]}), ids[:100]))
t2 = time.perf_counter()

def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000

print(f"SCIM provisioning      {n} users in {t1 - t0:.1f} s = {n / (t1 - t0):.0f} users/s "
      f"(3 requests each, 4 clients); 100 deactivations in {t2 - t1:.1f} s")
for step, xs in lat.items():
    print(f"  {step:<18} {len(xs):5d} requests  p50 {sorted(xs)[len(xs) // 2] * 1000:7.2f}ms"
          f"  p99 {p99(xs):7.2f}ms")
PY
