-- usher schema, version 11: the version of the groups (issue 18).
--
-- Workers keep the groups (their JSON answers, counts and share settings) in memory and
-- read them again only when this version, fetched with the caller's row on every request,
-- differs from the one they hold: the same scheme as the config table's settings version.
-- Every write of `group` or group_member by usher (src/db/) gives it a new random value in
-- the same transaction, right before the commit; rows written by hand need `usherctl
-- recount`, which gives it one too. Random, not a counter: a counter could come back to a
-- value a worker still holds after the table was emptied and written again.
-- Re-runnable.
CREATE TABLE IF NOT EXISTS group_version (
    id  TINYINT NOT NULL,
    v   BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT IGNORE INTO group_version (id, v) VALUES (1, FLOOR(RAND() * 9007199254740992));
