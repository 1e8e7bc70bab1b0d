# The group routes for the member in 20 of the 1,000 groups: its merged permissions, its
# groups, the groups shared with it (208 of 1,000), and an admin's preview of it, each
# against select-fcgi looking the member up. Sourced by bench/run.sh -u.
echo "bench: GET groups/?share=true lists $(API_TOKEN=$m_token api GET '/api/v1/groups/?share=true' |
    /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') groups to the member"
for route in "users/permissions|/api/v1/users/permissions|$m_token" \
             "groups/ (member of 20)|/api/v1/groups/|$m_token" \
             "groups/?share=true|/api/v1/groups/?share=true|$m_token" \
             "users/{id}/preview|/api/v1/users/$m_id/preview|$a_token"; do
    IFS='|' read -r name path token <<<"$route"
    compare "GET $name" "$path" "/bench/select?id=$m_id" -H "Authorization: Bearer $token"
    one_client "GET $name" "$path" -H "Authorization: Bearer $token"
done
