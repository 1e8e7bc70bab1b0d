# The users router at 100,000 users (issue 7's figures): one user by id, a listing page in the
# middle of the table ordered by name, a search, and a settings merge, each against
# select-fcgi's one-query floor; then the EXPLAIN plan of each listing query.
# Sourced by bench/run.sh after 20-auths-me.sh (it reuses $me_token and $me_id, an admin).
USERS_SEED=${USERS_SEED:-100000}

# Bulk insert through MariaDB's sequence engine, not the HTTP API (no bcrypt per user).
sql "INSERT IGNORE INTO \`user\` (id, email, role, name, profile_image_url, last_active_at,
     updated_at, created_at)
     SELECT CONCAT('bench-', seq), CONCAT('user', seq, '@bench.example'),
            ELT(1 + seq % 3, 'pending', 'user', 'admin'), CONCAT('Bench User ', seq), '',
            1700000000 + (seq * 7919) % 100000, 1700000000 + seq, 1700000000 + seq
     FROM seq_1_to_${USERS_SEED}"
# Rows written by hand are counted by usherctl recount (usher keeps the count on its own writes).
"$BUILD/usherctl" -c "$STATE/usher.conf" recount >/dev/null
sql "ANALYZE TABLE \`user\`" >/dev/null
echo "bench: $(sql 'SELECT COUNT(*) FROM `user`') users"

mid_page=$((USERS_SEED / 30 / 2))
target=bench-$((USERS_SEED / 2))
compare "GET users/{id}" "/api/v1/users/$target" "/bench/select?id=$target" \
    -H "Authorization: Bearer $me_token"
compare "GET users/?page=$mid_page&order_by=name" \
    "/api/v1/users/?page=$mid_page&order_by=name&direction=asc" "/bench/select?id=$target" \
    -H "Authorization: Bearer $me_token"
compare "GET users/?page=$mid_page (default order)" "/api/v1/users/?page=$mid_page" \
    "/bench/select?id=$target" -H "Authorization: Bearer $me_token"
compare "GET users/search?query=user4242" "/api/v1/users/search?query=user4242" \
    "/bench/select?id=$target" -H "Authorization: Bearer $me_token"

cat >"$STATE/settings.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
    counter = counter + 1
    return wrk.format(nil, nil, nil, '{"ui":{"theme":"dark"},"k' .. (counter % 50) .. '":' .. counter .. '}')
end
LUA
compare "POST users/user/settings/update" /api/v1/users/user/settings/update \
    "/bench/select?id=$target" -H "Authorization: Bearer $me_token" -s "$STATE/settings.lua"

# The plans of the listing queries, as db/user_list.c writes them: the ids of a page in the
# middle, by name and in the default order (index only, no sort); the total (the count usher
# keeps); a search (one pass over the table, its count in the same pass).
offset=$(( (mid_page - 1) * 30 ))
explain() {
    echo "bench: EXPLAIN $1"
    sql "EXPLAIN $2" | sed 's/^/    /'
}
explain "page ids by name" "SELECT u.id FROM \`user\` u ORDER BY u.name ASC, u.id ASC
    LIMIT 30 OFFSET $offset"
explain "page ids, default order" "SELECT u.id FROM \`user\` u
    ORDER BY u.created_at DESC, u.id DESC LIMIT 30 OFFSET $offset"
explain "total" "SELECT n FROM user_count WHERE id = 1"
explain "search" "SELECT u.id, COUNT(*) OVER () FROM \`user\` u IGNORE INDEX FOR ORDER BY
    (ix_user_name, uq_user_email, uq_user_email_lower, ix_user_created_at,
    ix_user_created_at_seq, ix_user_last_active_at, ix_user_updated_at, ix_user_role)
    WHERE (LOWER(u.name) COLLATE utf8mb4_bin LIKE '%user4242%' OR u.email LIKE '%user4242%')
    ORDER BY u.created_at DESC, u.id DESC LIMIT 30 OFFSET 0"
