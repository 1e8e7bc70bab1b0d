-- usher schema, version 14: a second level of the listing's fences (issue 18).
--
-- For each order, user_fence2_<order> holds every 32nd fence of user_fence_<order> (the first
-- is the sentinel) with n, the users whose key lies from it up to the next row of this
-- table: a super-run of about 32 runs. Page N sums these (about 32 rows at a million users
-- instead of 1,000), then reads the fences of one super-run. Kept as the fences are (sql/010):
-- every write adds or takes one from the super-run of its key in its own transaction, under
-- the same lock of user_order_lock; a split of a run changes nothing here (the new fence falls
-- inside a super-run); `usherctl reindex` makes them again from the fences it made
-- (src/db/user_reindex.c, the same statement as below). n IS NULL: not made yet. The listing
-- uses a super-run only when the fences read inside it start at its key and add up to its
-- n, and the super-runs add up to the user count; otherwise it reads every fence as before.
-- Re-runnable: tables made when missing, super-runs taken again from the fences.
CREATE TABLE IF NOT EXISTS user_fence2_name (
    k   VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS user_fence2_email (
    k   VARCHAR(255) NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS user_fence2_created_at (
    k   BIGINT       NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS user_fence2_last_active_at (
    k   BIGINT       NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS user_fence2_role (
    k   VARCHAR(16)  NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every 32nd fence in key order starts a super-run that counts its fences' users (NULL
-- when one of them is NULL: a rebuild under way).
BEGIN NOT ATOMIC
    DECLARE o INT DEFAULT 1;
    WHILE o <= 5 DO
        SET @t = ELT(o, 'user_fence_name', 'user_fence_email', 'user_fence_created_at',
                     'user_fence_last_active_at', 'user_fence_role');
        EXECUTE IMMEDIATE CONCAT('DELETE FROM ', REPLACE(@t, 'user_fence_', 'user_fence2_'));
        EXECUTE IMMEDIATE CONCAT('INSERT INTO ', REPLACE(@t, 'user_fence_', 'user_fence2_'),
            ' (k, id, n) SELECT k, id, IF(cn = c, s, NULL) FROM (SELECT k, id, r, ',
            'SUM(n) OVER (PARTITION BY r DIV 32) AS s, COUNT(n) OVER (PARTITION BY r DIV 32) ',
            'AS cn, COUNT(*) OVER (PARTITION BY r DIV 32) AS c FROM (SELECT k, id, n, ',
            'ROW_NUMBER() OVER (ORDER BY k, id) - 1 AS r FROM ', @t, ') f) g WHERE r MOD 32 = 0');
        SET o = o + 1;
    END WHILE;
END;
