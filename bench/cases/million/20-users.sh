# One user by id (an admin asking, 1,000 different users) and the session user (GET
# /api/v1/auths/: an admin in no group, and the member in 20 groups), each against
# select-fcgi looking up the same users. Sourced by bench/run.sh -u.
compare "GET users/{id}" "@$STATE/paths.users-id" "$FLOOR" -H "Authorization: Bearer $a_token"
one_client "GET users/{id}" "@$STATE/paths.users-id" -H "Authorization: Bearer $a_token"
compare "GET auths/ (admin)" /api/v1/auths/ "/bench/select?id=$a_id" \
    -H "Authorization: Bearer $a_token"
one_client "GET auths/ (admin)" /api/v1/auths/ -H "Authorization: Bearer $a_token"
compare "GET auths/ (20 groups)" /api/v1/auths/ "/bench/select?id=$m_id" \
    -H "Authorization: Bearer $m_token"
one_client "GET auths/ (20 groups)" /api/v1/auths/ -H "Authorization: Bearer $m_token"
