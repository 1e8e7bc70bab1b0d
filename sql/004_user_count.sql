-- usher schema, version 4: the number of users, kept by usher.
--
-- GET /api/v1/users/ shows the total with every page; COUNT(*) reads a whole index, which at
-- 100,000 users cost as much as the page itself. usher keeps user_count exact itself: every
-- insert and delete of a user adds or takes one in the same transaction (src/db/counts.c).
-- No trigger: on a MariaDB with binary logging (replicas, Galera, point-in-time backups) the
-- database's own user may not create one without SUPER (error 1419); a user written by hand
-- in SQL, or a TRUNCATE, needs `usherctl recount` afterwards.
-- Re-runnable: the table is created only when missing, the count taken again.
CREATE TABLE IF NOT EXISTS user_count (
    id  TINYINT  NOT NULL,
    n   BIGINT   NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
REPLACE INTO user_count (id, n) SELECT 1, COUNT(*) FROM `user`;
