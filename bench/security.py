"""The steps of bench/security.sh on one side's stack: python3 bench/security.py STEP STATE
PORT [args]. Standard library and requests only; TOTP as the tests compute it."""
import base64
import crypt
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import sys
import time

import requests

STEP, STATE, PORT = sys.argv[1], sys.argv[2], sys.argv[3]
BASE = f"http://127.0.0.1:{PORT}"
AUTHS = BASE + "/api/v1/auths"
PASSWORD = "bench-pass-1"


def sql(q):
    r = subprocess.run(["mariadb", "--no-defaults", f"--socket={STATE}/mysql.sock", "-uroot", "-N",
                        "-B", "usher"], input=q, capture_output=True, text=True, check=True)
    return [line.split("\t") for line in r.stdout.splitlines()]


def has_table(name):
    return bool(sql(f"SHOW TABLES LIKE '{name}'"))


def read(name):
    with open(os.path.join(STATE, name)) as f:
        return f.read().strip()


def write(name, value):
    with open(os.path.join(STATE, name), "w") as f:
        f.write(value)


def totp(secret, step):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def user_row(uid, email, role="user"):
    h = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    sql("INSERT INTO `user` (id, email, role, name, profile_image_url, last_active_at, "
        f"updated_at, created_at) VALUES ('{uid}', '{email}', '{role}', 'Bench', '', 0, 0, 0); "
        f"INSERT INTO auth (id, email, password, active) VALUES ('{uid}', '{email}', '{h}', 1)")


def seed():
    users = int(sys.argv[4])
    sql("INSERT IGNORE INTO `user` (id, email, role, name, profile_image_url, last_active_at, "
        "updated_at, created_at) SELECT CONCAT('bench-', seq), CONCAT('user', seq, "
        "'@bench.example'), 'user', CONCAT('Bench User ', seq), '', 0, 1700000000 + seq, "
        f"1700000000 + seq FROM seq_1_to_{users}")
    now = int(time.time())
    sessions = has_table("user_session")
    if sessions:
        sql("INSERT INTO user_session (id, user_id, issued_ms, created_at, last_seen_at, "
            "expires_at, ip, user_agent, method, mfa) SELECT CONCAT('s-', u.seq, '-', k.seq), "
            f"CONCAT('bench-', u.seq), {now}000, {now}, {now}, {now + 86400}, '192.0.2.1', "
            f"'bench', 'password', 0 FROM seq_1_to_{users} u JOIN seq_1_to_3 k")
    user_row("bench-me", "me@bench.example", "admin")
    if sessions:
        sql("INSERT INTO user_session (id, user_id, issued_ms, created_at, last_seen_at, "
            "expires_at, ip, user_agent, method, mfa) SELECT CONCAT('me-', seq), 'bench-me', "
            f"{now}000, {now}, {now}, {now + 86400}, '192.0.2.2', 'Mozilla/5.0 bench', "
            "'password', 0 FROM seq_1_to_999")
    sql("ANALYZE TABLE `user`")
    s = requests.Session()
    r = s.post(AUTHS + "/signin", json={"email": "me@bench.example", "password": PASSWORD})
    r.raise_for_status()
    token = r.json()["token"]
    write("bench-token", token)
    h = {"Authorization": "Bearer " + token}
    cfg = s.get(AUTHS + "/admin/config", headers=h).json()
    cfg["ENABLE_API_KEYS"] = True
    s.post(AUTHS + "/admin/config", headers=h, json=cfg).raise_for_status()
    if sessions:   # this tree: 50 named keys, the last one used
        for i in range(50):
            r = s.post(AUTHS + "/api_keys", headers=h, json={"name": f"key {i}"})
            r.raise_for_status()
        key = r.json()["api_key"]
    else:
        r = s.post(AUTHS + "/api_key", headers=h)
        r.raise_for_status()
        key = r.json()["api_key"]
    write("bench-key", key)
    if sessions:   # a user with two-factor on and 5,000 recovery codes for the two-step loop
        user_row("bench-mfa", "mfa@bench.example")
        r = s.post(AUTHS + "/signin", json={"email": "mfa@bench.example", "password": PASSWORD})
        hm = {"Authorization": "Bearer " + r.json()["token"]}
        e = s.post(AUTHS + "/mfa/totp/enroll", headers=hm, json={"password": PASSWORD}).json()
        s.post(AUTHS + "/mfa/totp/confirm", headers=hm,
               json={"code": totp(e["secret"], int(time.time()) // 30)}).raise_for_status()
        secret = open(os.path.join(STATE, "secret_key"), "rb").read().rstrip(b"\r\n")
        codes = [f"{i:010d}" for i in range(5000)]
        values = ",".join(
            "('bench-mfa', '%s', 0)" % hmac.new(secret, f"recovery:bench-mfa:{c}".encode(),
                                                hashlib.sha256).hexdigest() for c in codes)
        sql("INSERT INTO user_mfa_recovery (user_id, code_hash, created_at) VALUES " + values)
        write("bench-codes", "\n".join(codes))
    n = sql("SELECT COUNT(*) FROM `user`")[0][0]
    m = sql("SELECT COUNT(*) FROM user_session")[0][0] if sessions else "no"
    print(f"   seeded: {n} users, {m} session rows")


def wrk(path, secs, conns, *args):
    out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{secs}s", "--latency", *args,
                          BASE + path], capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    p50 = re.search(r"\s50%\s+(\S+)", out).group(1)
    p99 = re.search(r"\s99%\s+(\S+)", out).group(1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, bad.group(1) if bad else "0"


def measure(name, path, secs, conns, *args):
    wrk(path, 1, conns, *args)
    rps, p50, p99, bad = wrk(path, secs, conns, *args)
    print(f"   {name:52s} {rps:>9s} req/s  p50 {p50:>8s}  p99 {p99:>8s}"
          + (f"  ({bad} non-2xx)" if bad != "0" else ""))


def status():
    rows = sql("SHOW GLOBAL STATUS WHERE Variable_name IN "
               "('Com_select', 'Com_insert', 'Com_update', 'Com_delete')")
    return {k: int(v) for k, v in rows}


def statements():
    n = 2000
    for name, headers in (("session token", {"Authorization": "Bearer " + read("bench-token")}),
                          ("API key", {"Authorization": "Bearer " + read("bench-key")})):
        s = requests.Session()
        for _ in range(20):
            s.get(AUTHS + "/", headers=headers)
        before = status()
        for _ in range(n):
            s.get(AUTHS + "/", headers=headers)
        after = status()
        d = {k: (after[k] - before[k]) / n for k in after}
        print(f"   statements per GET /auths/ ({name}): {d['Com_select']:.3f} SELECT, "
              f"{d['Com_insert'] + d['Com_update'] + d['Com_delete']:.3f} writes")


def signin():
    secs, conns, label = sys.argv[4], sys.argv[5], sys.argv[6]
    lua = os.path.join(STATE, "signin-unknown.lua")
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                'local n = 0\nrequest = function()\n  n = n + 1\n'
                '  return wrk.format(nil, nil, nil, string.format('
                '\'{"email":"nobody-%d-%d@bench.example","password":"wrong"}\', '
                'math.random(1, 1000000000), n))\nend\n')
    measure(f"POST /signin unknown addresses, {label}", "/api/v1/auths/signin", secs, conns,
            "-s", lua)
    lua2 = os.path.join(STATE, "signin-wrong.lua")
    with open(lua2, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                'wrk.body = \'{"email":"user1@bench.example","password":"wrong"}\'\n')
    measure(f"POST /signin wrong password, {label}", "/api/v1/auths/signin", secs, conns,
            "-s", lua2)


def twostep():
    secs = float(sys.argv[4])
    s = requests.Session()
    end, n = time.monotonic() + secs, 0
    while time.monotonic() < end:
        r = s.post(AUTHS + "/signin", json={"email": "me@bench.example", "password": PASSWORD})
        assert r.status_code == 200, r.text
        n += 1
    print(f"   one-step sign-in (one client):  {n / secs:8.1f} /s")
    if not os.path.exists(os.path.join(STATE, "bench-codes")):
        return
    codes = read("bench-codes").split("\n")
    end, n = time.monotonic() + secs, 0
    while time.monotonic() < end and n < len(codes):
        r = s.post(AUTHS + "/signin", json={"email": "mfa@bench.example", "password": PASSWORD})
        assert r.status_code == 401, r.text
        r = s.post(AUTHS + "/signin/mfa", json={"mfa_token": r.json()["mfa_token"],
                                               "code": codes[n]})
        assert r.status_code == 200, r.text
        n += 1
    print(f"   two-step sign-in (one client):  {n / secs:8.1f} /s")


if STEP == "seed":
    seed()
elif STEP == "me-token":
    measure("GET /auths/ session token", "/api/v1/auths/", sys.argv[4], sys.argv[5],
            "-H", "Authorization: Bearer " + read("bench-token"))
elif STEP == "me-key":
    measure("GET /auths/ API key", "/api/v1/auths/", sys.argv[4], sys.argv[5],
            "-H", "Authorization: Bearer " + read("bench-key"))
elif STEP == "sessions":
    if has_table("user_session"):
        measure("GET /auths/sessions (1,000 sessions)", "/api/v1/auths/sessions", sys.argv[4],
                sys.argv[5], "-H", "Authorization: Bearer " + read("bench-token"))
elif STEP == "statements":
    statements()
elif STEP == "signin":
    signin()
elif STEP == "twostep":
    twostep()
else:
    sys.exit("unknown step " + STEP)
