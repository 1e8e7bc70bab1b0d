-- usher schema, version 7: each group's number of members, kept by the server.
--
-- Every group answer carries member_count; counting group_member per group on each request
-- read every membership of every group listed (2,000,000 rows for GET /groups/?share=true
-- at 1,000 groups of 2,000 members). The triggers keep the count exact for every insert and
-- delete of a membership, inside the same transaction. (A membership that goes by the
-- foreign key's cascade belongs to a group being deleted, whose count no longer matters.)
-- Re-runnable; TRUNCATE fires no trigger: after one, run the UPDATE again.
ALTER TABLE `group` ADD COLUMN IF NOT EXISTS member_count BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER IF NOT EXISTS group_member_count_insert AFTER INSERT ON group_member
    FOR EACH ROW UPDATE `group` SET member_count = member_count + 1 WHERE id = NEW.group_id;
CREATE TRIGGER IF NOT EXISTS group_member_count_delete AFTER DELETE ON group_member
    FOR EACH ROW UPDATE `group` SET member_count = member_count - 1 WHERE id = OLD.group_id;
UPDATE `group` g SET member_count = (SELECT COUNT(*) FROM group_member m WHERE m.group_id = g.id);
