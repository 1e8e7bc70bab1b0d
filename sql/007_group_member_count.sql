-- usher schema, version 7: each group's number of members, kept by usher.
--
-- Every group answer carries member_count; counting group_member per group on each request
-- read every membership of every group listed (2,000,000 rows for GET /groups/?share=true
-- at 1,000 groups of 2,000 members). usher keeps the count exact itself: every insert and
-- delete of a membership changes it in the same transaction (src/db/counts.c). No trigger,
-- as in 004. (A membership that goes by the foreign key's cascade belongs to a group being
-- deleted, whose count no longer matters.) Re-runnable; after memberships were written by
-- hand in SQL, `usherctl recount`.
ALTER TABLE `group` ADD COLUMN IF NOT EXISTS member_count BIGINT NOT NULL DEFAULT 0;
UPDATE `group` g SET member_count = (SELECT COUNT(*) FROM group_member m WHERE m.group_id = g.id);
