# Groups and permissions at scale: 100,000 users, 1,000 groups, 20 memberships per user
# (bulk SQL), 400 resources with grants to groups; then, for a user in 20 groups, GET
# /api/v1/users/permissions (the merge of 20 trees) and GET /api/v1/groups/, and an
# admin's GET /api/v1/users/{id}/preview of that user, each against select-fcgi looking up
# one row. Seeding takes a minute: BENCH_SKIP_GROUPS=1 skips this case.
# Sourced by bench/run.sh (see bench/cases/README).
if [[ ${BENCH_SKIP_GROUPS:-0} != 1 ]]; then
g_field() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }

echo "bench: seeding 100000 users, 1000 groups, 2000000 memberships, 400 resources"
# The same 100,000 users as 40-users.sh (INSERT IGNORE: whichever case runs first seeds).
sql "INSERT IGNORE INTO \`user\` (id, email, role, name, profile_image_url, last_active_at,
     updated_at, created_at)
     SELECT CONCAT('bench-', seq), CONCAT('user', seq, '@bench.example'),
            ELT(1 + seq % 3, 'pending', 'user', 'admin'), CONCAT('Bench User ', seq), '',
            1700000000 + (seq * 7919) % 100000, 1700000000 + seq, 1700000000 + seq
     FROM seq_1_to_100000"
sql "INSERT INTO \`group\` (id, user_id, name, description, data, permissions, created_at,
                            updated_at)
     SELECT CONCAT('bg-', seq), NULL, CONCAT('bench group ', seq), '',
            IF(seq % 3 = 0, '{\"config\":{\"share\":true}}', '{\"config\":{\"share\":\"members\"}}'),
            CONCAT('{\"workspace\":{\"models\":', IF(seq % 2, 'true', 'false'),
                   '},\"chat\":{\"edit\":true},\"features\":{\"notes\":true,\"x', seq % 7,
                   '\":true}}'), seq, seq FROM seq_1_to_1000"
# 20 distinct groups per user: (7u + 50k) mod 1000 differs for k = 1..20.
sql "INSERT INTO group_member (id, group_id, user_id, created_at, updated_at)
     SELECT CONCAT(u.seq, '-', k.seq), CONCAT('bg-', 1 + (u.seq * 7 + k.seq * 50) % 1000),
            CONCAT('bench-', u.seq), 0, 0 FROM seq_1_to_100000 u JOIN seq_1_to_20 k"
"$BUILD/usherctl" -c "$STATE/usher.conf" recount >/dev/null   # rows written by hand
sql "INSERT INTO model (id, user_id, name, is_active, created_at, updated_at)
     SELECT CONCAT('bm-', seq), CONCAT('bench-', seq), CONCAT('Model ', seq), seq % 10 <> 0, seq, seq
     FROM seq_1_to_200;
     INSERT INTO knowledge (id, user_id, name, created_at, updated_at)
     SELECT CONCAT('bk-', seq), CONCAT('bench-', seq), CONCAT('KB ', seq), seq, seq FROM seq_1_to_100;
     INSERT INTO tool (id, user_id, name, created_at, updated_at)
     SELECT CONCAT('bt-', seq), CONCAT('bench-', seq), CONCAT('Tool ', seq), seq, seq FROM seq_1_to_100;
     INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id,
                               permission, created_at)
     SELECT CONCAT('ga-', seq), 'model', CONCAT('bm-', seq), 'group',
            CONCAT('bg-', 1 + seq * 13 % 1000), 'read', 0 FROM seq_1_to_200
     UNION ALL SELECT CONCAT('gk-', seq), 'knowledge', CONCAT('bk-', seq), 'group',
            CONCAT('bg-', 1 + seq * 17 % 1000), 'read', 0 FROM seq_1_to_100
     UNION ALL SELECT CONCAT('gt-', seq), 'tool', CONCAT('bt-', seq),
            IF(seq % 5 = 0, 'user', 'group'), IF(seq % 5 = 0, '*', CONCAT('bg-', seq)),
            'read', 0 FROM seq_1_to_100"

g_token=$(api POST /api/v1/auths/signup \
    '{"name":"Bench Member","email":"bench-member@example.org","password":"bench-pass-1"}' |
    g_field token)
g_id=$(API_TOKEN=$g_token api GET /api/v1/auths/ | g_field id)
sql "UPDATE \`user\` SET role = 'user' WHERE id = '$g_id';
     INSERT INTO group_member (id, group_id, user_id, created_at, updated_at)
     SELECT CONCAT('bench-member-', seq), CONCAT('bg-', seq * 50), '$g_id', 0, 0 FROM seq_1_to_20"
"$BUILD/usherctl" -c "$STATE/usher.conf" recount >/dev/null
g_admin=$(api POST /api/v1/auths/signup \
    '{"name":"Bench Groups Admin","email":"bench-gadmin@example.org","password":"bench-pass-1"}' |
    g_field token)
g_admin_id=$(API_TOKEN=$g_admin api GET /api/v1/auths/ | g_field id)
sql "UPDATE \`user\` SET role = 'admin' WHERE id = '$g_admin_id'"

compare "GET users/permissions" /api/v1/users/permissions "/bench/select?id=$g_id" \
    -H "Authorization: Bearer $g_token"
compare "GET groups/ (member)" /api/v1/groups/ "/bench/select?id=$g_id" \
    -H "Authorization: Bearer $g_token"
compare "GET groups/?share=true" "/api/v1/groups/?share=true" "/bench/select?id=$g_id" \
    -H "Authorization: Bearer $g_token"
compare "GET users/{id}/preview" "/api/v1/users/$g_id/preview" "/bench/select?id=$g_id" \
    -H "Authorization: Bearer $g_admin"
fi
