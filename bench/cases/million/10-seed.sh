# The large data set (bench/run.sh -u USERS; issue 18): USERS users by SQL from the
# Sequence engine and the listing's and search's index (bench/seed/users.sh: USERS a
# multiple of 4 up to 1,000,000), then an admin and a member through the API, 1,000 groups
# of 2,000 members with 400 resources and grants (bench/seed/groups.sql) and the counts
# (usherctl recount). Prints each step's time and the tables' sizes. Sourced by
# bench/run.sh.
j_field() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
ctl() { "$BUILD/usherctl" -c "$STATE/usher.conf" "$@"; }
timed() {   # timed LABEL COMMAND...: runs it, prints the seconds it took
    local t0 t1
    t0=$(date +%s.%N)
    "${@:2}"
    t1=$(date +%s.%N)
    printf 'bench: seeding: %-40s %6.1f s\n' "$1" "$(echo "$t1 - $t0" | bc)"
}
sql_file() { mariadb --no-defaults --socket="$STATE/mysql.sock" -uroot -N -B usher; }
quiet() { "$@" >/dev/null; }

# bench/seed/users.sh: bench/seed/users.sql, then usherctl reindex (its own times printed).
seed_users() {
    USHER_BUILD=$BUILD "$REPO/bench/seed/users.sh" "$STATE" "$users" | sed 's/^/bench: /'
}
signin() {   # signin EMAIL: a new token of a bench account
    api POST /api/v1/auths/signin "{\"email\":\"$1\",\"password\":\"bench-pass-1\"}" |
        j_field token
}
if [[ -n $keep && $(cat "$STATE/bench.seeded" 2>/dev/null) == "$users" ]]; then
    echo "bench: the kept stack in $STATE holds the data set: no seeding"
    m_token=$(signin bench-member@example.org)
    a_token=$(signin bench-admin@example.org)
    m_id=$(API_TOKEN=$m_token api GET /api/v1/auths/ | j_field id)
    a_id=$(API_TOKEN=$a_token api GET /api/v1/auths/ | j_field id)
    me_token=$a_token
else
    echo "bench: seeding $users users"
    timed "users ($users)" seed_users
    timed "counts (usherctl recount)" quiet ctl recount

    # The member (a user in 20 groups) and an admin, through the API; their roles by SQL.
    m_token=$(api POST /api/v1/auths/signup \
        '{"name":"Bench Member","email":"bench-member@example.org","password":"bench-pass-1"}' |
        j_field token)
    m_id=$(API_TOKEN=$m_token api GET /api/v1/auths/ | j_field id)
    a_token=$(api POST /api/v1/auths/signup \
        '{"name":"Bench Admin","email":"bench-admin@example.org","password":"bench-pass-1"}' |
        j_field token)
    a_id=$(API_TOKEN=$a_token api GET /api/v1/auths/ | j_field id)
    sql "UPDATE \`user\` SET role = 'user' WHERE id = '$m_id';
         UPDATE \`user\` SET role = 'admin' WHERE id = '$a_id'"
    me_token=$a_token

    seed_groups() { { echo "SET @member_id = '$m_id';"; cat "$REPO/bench/seed/groups.sql"; } | sql_file; }
    timed "groups, 2,000,000 memberships, grants" seed_groups
    timed "counts (usherctl recount)" quiet ctl recount
    timed "ANALYZE TABLE" quiet sql "ANALYZE TABLE \`user\`, \`group\`, group_member, access_grant"
    [[ -n $keep ]] && echo "$users" >"$STATE/bench.seeded"
fi
echo "bench: $(sql 'SELECT COUNT(*) FROM `user`') users, $(sql 'SELECT COUNT(*) FROM `group`') groups, $(sql 'SELECT COUNT(*) FROM group_member') memberships; the member is in $(sql "SELECT COUNT(*) FROM group_member WHERE user_id = '$m_id'")"
echo "bench: table sizes (information_schema.TABLES: data + index MB, rows)"
sql "SELECT table_name, ROUND((data_length + index_length) / 1048576), table_rows
     FROM information_schema.TABLES WHERE table_schema = 'usher'
     AND (data_length + index_length) > 1048576 ORDER BY 2 DESC" |
    awk '{printf "    %-28s %6s MB %10s rows\n", $1, $2, $3}'

# 1,000 user ids spread over the table (by insertion number), for the lookups and the floor.
sql "SELECT id FROM \`user\` WHERE seq % (GREATEST(1, (SELECT MAX(seq) FROM \`user\`) DIV 1000)) = 7
     LIMIT 1000" >"$STATE/ids"
sed 's|^|/api/v1/users/|' "$STATE/ids" >"$STATE/paths.users-id"
sed 's|^|/bench/select?id=|' "$STATE/ids" >"$STATE/paths.floor"
FLOOR=@$STATE/paths.floor
