# The admin listing (GET /api/v1/users/?page=N) at pages 1, 100, 10,000 and the last, each
# varying per request over the 100 pages from there (the last: the 100 before it), in
# every order and direction and without order_by, against select-fcgi looking up 1,000
# users; then the EXPLAIN of a deep page. Sourced by bench/run.sh -u.
u_total=$(sql "SELECT COUNT(*) FROM \`user\`")
last=$(((u_total + 29) / 30))
for depth in 1 100 10000 last; do
    if [[ $depth == last ]]; then from=$((last > 99 ? last - 99 : 1)); else from=$depth; fi
    for order in "" name email created_at last_active_at role; do
        for dir in asc desc; do
            [[ -z $order && $dir == desc ]] && continue
            q=${order:+&order_by=$order&direction=$dir}
            file=$STATE/paths.page-$depth-${order:-default}-$dir
            for ((p = from; p < from + 100; p++)); do
                echo "/api/v1/users/?page=$p$q"
            done >"$file"
            name="GET users/?page=$depth ${order:-(default)}${order:+ $dir}"
            compare "$name" "@$file" "$FLOOR" -H "Authorization: Bearer $a_token"
            one_client "$name" "@$file" -H "Authorization: Bearer $a_token"
        done
    done
done
# What db/user_index.c and db/user_list.c send for page 10,000 by name: the super-runs
# summed with the user count (one small table read in key order), the fences of one
# super-run (a range of the fence table's key), then the rows of the 30 ids walked inside
# one run (a range of the name index), sorted again by their keys alone, with the group ids
# kept on each row (sql/017).
echo "bench: EXPLAIN of page 10,000 by name (the queries db/user_index.c and db/user_list.c send)"
sql "EXPLAIN SELECT k, id, n, (SELECT n FROM user_count WHERE id = 1) FROM user_fence2_name
     ORDER BY k, id" | sed 's/^/    /'
IFS=$'\t' read -r s_k s_id < <(sql "SELECT k, id FROM user_fence2_name ORDER BY k, id LIMIT 1 OFFSET 9")
IFS=$'\t' read -r n_k n_id < <(sql "SELECT k, id FROM user_fence2_name ORDER BY k, id LIMIT 1 OFFSET 10")
sql "EXPLAIN SELECT k, id, n FROM user_fence_name WHERE (k > '${s_k//\'/\'\'}' OR (k = '${s_k//\'/\'\'}'
     AND id >= '$s_id')) AND (k < '${n_k//\'/\'\'}' OR (k = '${n_k//\'/\'\'}' AND id < '$n_id'))
     ORDER BY k, id" | sed 's/^/    /'
IFS=$'\t' read -r fence_k fence_id < <(sql "SELECT k, id FROM user_fence_name ORDER BY k, id LIMIT 1 OFFSET $((299970 / 1000))")
sql "EXPLAIN SELECT u.id, u.name, u.group_ids FROM (SELECT u.id, u.name AS k FROM \`user\` u
     WHERE u.name > '${fence_k//\'/\'\'}' OR (u.name = '${fence_k//\'/\'\'}' AND u.id >= '$fence_id')
     ORDER BY u.name ASC, u.id ASC LIMIT 30 OFFSET 500) p STRAIGHT_JOIN \`user\` u ON u.id = p.id
     ORDER BY p.k ASC, p.id ASC" | sed 's/^/    /'
