-- usher schema, version 17: each user's group ids kept on the user's row (issue 18).
--
-- GET /api/v1/users/{id} and every page of the admin listing answer each user's group ids.
-- Read from group_member with each request (a GROUP_CONCAT per user), they cost MariaDB
-- about a third of GET /users/{id} and a sixth of a listing page; kept on the row, they come
-- with it. Every write of group_member by usher (src/db/) sets the column of the users it
-- changed again, in the same transaction; memberships written by hand need
-- `usherctl recount`, which sets it for every user. The ids sorted, comma-separated, as
-- GROUP_CONCAT makes them; NULL for a user in no group. Re-runnable.
ALTER TABLE `user` ADD COLUMN IF NOT EXISTS group_ids MEDIUMTEXT NULL DEFAULT NULL;
UPDATE `user` u JOIN (SELECT user_id, GROUP_CONCAT(group_id ORDER BY group_id SEPARATOR ',')
                      AS ids FROM group_member GROUP BY user_id) m ON m.user_id = u.id
    SET u.group_ids = m.ids WHERE NOT (u.group_ids <=> m.ids);
UPDATE `user` u LEFT JOIN group_member m ON m.user_id = u.id
    SET u.group_ids = NULL WHERE u.group_ids IS NOT NULL AND m.user_id IS NULL;
