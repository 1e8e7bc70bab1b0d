-- usher schema, version 8: the counts of 004 and 007 without their triggers.
--
-- 004 and 007 once kept user_count and `group`.member_count by triggers, which a MariaDB
-- with binary logging refuses to the database's own user (error 1419: CREATE TRIGGER needs
-- SUPER there), so `usherctl migrate` stopped at 004. usher now keeps both counts itself
-- (src/db/counts.c), and a database that got the triggers must lose them, or every change
-- would count twice. Then both counts are taken once more.
--
-- DROP TRIGGER needs SUPER on such a server too, even with IF EXISTS: so a trigger is
-- dropped only when it is there (a new install has none). A server that has both binary
-- logging and the old triggers stops here with the message below: as MariaDB's root, in
-- usher's database,
--   DROP TRIGGER user_count_insert; DROP TRIGGER user_count_delete;
--   DROP TRIGGER group_member_count_insert; DROP TRIGGER group_member_count_delete;
-- then run `usherctl migrate` again.
-- Re-runnable: every step checks or recomputes.
BEGIN NOT ATOMIC
    DECLARE EXIT HANDLER FOR 1419
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT =
            'binary logging is on: drop the old count triggers as root (see 008), then migrate again';
    IF EXISTS (SELECT 1 FROM information_schema.triggers WHERE trigger_schema = DATABASE()
               AND trigger_name = 'user_count_insert') THEN
        DROP TRIGGER user_count_insert;
    END IF;
    IF EXISTS (SELECT 1 FROM information_schema.triggers WHERE trigger_schema = DATABASE()
               AND trigger_name = 'user_count_delete') THEN
        DROP TRIGGER user_count_delete;
    END IF;
    IF EXISTS (SELECT 1 FROM information_schema.triggers WHERE trigger_schema = DATABASE()
               AND trigger_name = 'group_member_count_insert') THEN
        DROP TRIGGER group_member_count_insert;
    END IF;
    IF EXISTS (SELECT 1 FROM information_schema.triggers WHERE trigger_schema = DATABASE()
               AND trigger_name = 'group_member_count_delete') THEN
        DROP TRIGGER group_member_count_delete;
    END IF;
END;
REPLACE INTO user_count (id, n) SELECT 1, COUNT(*) FROM `user`;
UPDATE `group` g SET member_count = (SELECT COUNT(*) FROM group_member m WHERE m.group_id = g.id);
