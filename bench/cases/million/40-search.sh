# Search (query= on GET /api/v1/users/ and /users/search), each family of needles varying
# per request over 100 needles taken from the data: one match (a whole name in capitals),
# an e-mail fragment (a local part and its @), none (8 and 200 characters), an e-mail
# domain, a first and last name pair; each against select-fcgi, with the total the first
# needle finds; then the EXPLAIN of a search. Sourced by bench/run.sh -u.
sample="SELECT name, email FROM \`user\` WHERE seq % (GREATEST(1, (SELECT MAX(seq) FROM \`user\`) DIV 100)) = 3
        AND seq > (SELECT MAX(seq) FROM \`user\`) DIV 10 LIMIT 100"
sql "$sample" >"$STATE/sample"
/usr/bin/python3 - "$STATE" <<'PY'
import random, string, sys, urllib.parse
state = sys.argv[1]
rows = [line.rstrip("\n").split("\t") for line in open(f"{state}/sample", encoding="utf-8")]
rnd = random.Random(18)
fam = {
    "one": [name.upper() for name, _ in rows],
    "email": [email.split("@")[0] + "@" for _, email in rows],
    "none8": ["".join(rnd.choice("qxzjvkw") for _ in range(8)) for _ in rows],
    "none200": ["".join(rnd.choice("qxzjvkw") for _ in range(200)) for _ in rows],
    "domain": ["@" + email.split("@")[1] for _, email in rows],
    "pair": [" ".join(name.split(" ")[:2]).lower() for name, _ in rows],
}
for f, needles in fam.items():
    for route in ("list", "search"):
        base = "/api/v1/users/?query=" if route == "list" else "/api/v1/users/search?query="
        with open(f"{state}/paths.q-{f}-{route}", "w") as out:
            for n in needles:
                out.write(base + urllib.parse.quote(n) + "\n")
PY
for f in one email none8 none200 domain pair; do
    for route in list search; do
        file=$STATE/paths.q-$f-$route
        total=$(API_TOKEN=$a_token api GET "$(head -1 "$file")" |
            /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("total", len(d.get("users", d)) if isinstance(d, dict) else len(d)))' 2>/dev/null)
        name="GET users/${route/list/} q=$f"
        echo "bench: $name: the first needle finds ${total:-?}"
        compare "$name" "@$file" "$FLOOR" -H "Authorization: Bearer $a_token"
        one_client "$name" "@$file" -H "Authorization: Bearer $a_token"
    done
done
# What db/user_list.c sends for a first and last name pair: the index asked for the
# needle's cheapest piece (here "z n" of "łukasz nakamura"). In the default order (and
# created_at) a row marked exact is checked on its own text, the others against the user
# table (sql/015); in the other orders every candidate is checked against the user table.
echo "bench: EXPLAIN of a search, default order (the query db/user_list.c sends, needle 'łukasz nakamura')"
sql "EXPLAIN SELECT SQL_CALC_FOUND_ROWS s.id FROM user_search s
     WHERE MATCH (s.body) AGAINST ('\"z n\"' IN BOOLEAN MODE)
     AND (s.exact = 1 AND s.body LIKE '%łukasz nakamura%' OR s.exact = 0 AND EXISTS
          (SELECT 1 FROM \`user\` u WHERE u.id = s.id AND (LOWER(u.name) COLLATE utf8mb4_bin
           LIKE '%łukasz nakamura%' OR u.email LIKE '%łukasz nakamura%')))
     ORDER BY s.created_at DESC, s.id DESC LIMIT 30 OFFSET 0" | sed 's/^/    /'
echo "bench: EXPLAIN of the same search by name"
sql "EXPLAIN SELECT SQL_CALC_FOUND_ROWS u.id FROM user_search s STRAIGHT_JOIN \`user\` u ON u.id = s.id
     WHERE MATCH (s.body) AGAINST ('\"z n\"' IN BOOLEAN MODE)
     AND (LOWER(u.name) COLLATE utf8mb4_bin LIKE '%łukasz nakamura%' OR u.email LIKE '%łukasz nakamura%')
     ORDER BY u.name ASC, u.id ASC LIMIT 30 OFFSET 0" | sed 's/^/    /'
