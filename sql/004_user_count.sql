-- usher schema, version 4: the number of users, kept by the server.
--
-- GET /api/v1/users/ shows the total with every page; COUNT(*) reads a whole index, which at
-- 100,000 users cost as much as the page itself. The triggers keep user_count exact for
-- every insert and delete, whoever makes it (the API, usherctl, or SQL by hand), inside the
-- same transaction. Re-runnable: the count is taken again after the triggers exist. TRUNCATE
-- fires no trigger: after one, run the last statement again.
CREATE TABLE IF NOT EXISTS user_count (
    id  TINYINT  NOT NULL,
    n   BIGINT   NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TRIGGER IF NOT EXISTS user_count_insert AFTER INSERT ON `user` FOR EACH ROW
    UPDATE user_count SET n = n + 1 WHERE id = 1;
CREATE TRIGGER IF NOT EXISTS user_count_delete AFTER DELETE ON `user` FOR EACH ROW
    UPDATE user_count SET n = n - 1 WHERE id = 1;
REPLACE INTO user_count (id, n) SELECT 1, COUNT(*) FROM `user`;
