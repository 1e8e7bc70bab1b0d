-- usher schema, version 10: the admin listing's page finder and the users' search index,
-- both kept by usher (src/db/user_index.c), no triggers (see 008 for why).
--
-- Fences. For each order of GET /api/v1/users/ (name, email, created_at, last_active_at,
-- role; each then id, as the listing sorts) a table of fences: the key (column value, id)
-- where a run of users starts in that order, and n, the users from this fence up to the
-- next. A page deep in the listing sums n up to its offset (about 1,000 fences for
-- 1,000,000 users) and walks only inside one run, instead of walking the index from the
-- start. The first fence is a sentinel below every user ('' or the smallest BIGINT, id ''),
-- so every key has a fence. Every insert, delete and change of a key adds or takes one from
-- its fence in the write's own transaction, under a shared lock on the order's row of
-- user_order_lock; `usherctl reindex` takes that row exclusively for a few fences at a time
-- while it rebuilds them. n IS NULL marks where a rebuild has not got to yet: writes leave
-- such a run alone, and the listing walks the index as before until the rebuild is done.
-- Fences fall every 1,000 users (FENCE_SPAN in user_index.c) when made; writes make runs
-- longer or shorter, the next reindex evens them.
--
-- user_search: lowercased name and email of each user (LOWER(name), a line feed, email) with
-- Mroonga's n-gram index over them (tokenizer TokenBigram, no normalizer: bytes as they
-- are), made only when the server has the Mroonga engine (Debian mariadb-plugin-mroonga,
-- loaded with plugin_load_add = ha_mroonga); without it search reads the user table as
-- before. Mroonga is not transactional, so the index holds at least the text of every user
-- (a write adds its new text before it commits and sets the exact text after), and every
-- search checks its candidates against the user table with the exact predicate.
-- Re-runnable: tables made when missing, fences taken again.
CREATE TABLE IF NOT EXISTS user_order_lock (
    ord  TINYINT  NOT NULL,
    PRIMARY KEY (ord)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT IGNORE INTO user_order_lock (ord) VALUES (1), (2), (3), (4), (5);

CREATE TABLE IF NOT EXISTS user_fence_name (
    k   VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS user_fence_email (
    k   VARCHAR(255) NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS user_fence_created_at (
    k   BIGINT       NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS user_fence_last_active_at (
    k   BIGINT       NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS user_fence_role (
    k   VARCHAR(16)  NOT NULL,
    id  VARCHAR(64)  NOT NULL,
    n   BIGINT       NULL,
    PRIMARY KEY (k, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The fences of the users there are (usher is stopped while it migrates): the same walk as
-- `usherctl reindex` (src/db/user_reindex.c), so both make the same fences.
BEGIN NOT ATOMIC
    DECLARE o INT DEFAULT 1;
    DECLARE more INT;
    WHILE o <= 5 DO
        SET @t = ELT(o, 'user_fence_name', 'user_fence_email', 'user_fence_created_at',
                     'user_fence_last_active_at', 'user_fence_role');
        SET @c = ELT(o, 'name', 'email', 'created_at', 'last_active_at', 'role');
        SET @k = IF(o IN (3, 4), CAST(-9223372036854775807 - 1 AS SIGNED), ''), @id = '';
        SET @span = 1000;
        EXECUTE IMMEDIATE CONCAT('DELETE FROM ', @t);
        -- (email is unique: ORDER BY email, id would sort instead of reading uq_user_email)
        PREPARE nx FROM CONCAT('SELECT ', @c, ', id INTO @nk, @nid FROM `user` WHERE ', @c,
                               ' > ? OR (', @c, ' = ? AND id >= ?) ORDER BY ',
                               IF(o = 2, 'email', CONCAT(@c, ', id')), ' LIMIT 1 OFFSET 1000');
        PREPARE rest FROM CONCAT('SELECT COUNT(*) INTO @cnt FROM `user` WHERE ', @c,
                                 ' > ? OR (', @c, ' = ? AND id >= ?)');
        PREPARE ins FROM CONCAT('INSERT INTO ', @t, ' (k, id, n) VALUES (?, ?, ?)');
        SET more = 1;
        WHILE more DO
            SET @nid = NULL;
            EXECUTE nx USING @k, @k, @id;
            IF @nid IS NULL THEN
                EXECUTE rest USING @k, @k, @id;
                EXECUTE ins USING @k, @id, @cnt;
                SET more = 0;
            ELSE
                EXECUTE ins USING @k, @id, @span;
                SET @k = @nk, @id = @nid;
            END IF;
        END WHILE;
        DEALLOCATE PREPARE nx;
        DEALLOCATE PREPARE rest;
        DEALLOCATE PREPARE ins;
        SET o = o + 1;
    END WHILE;
END;

-- The search index, with Mroonga only (see above): filled first, then indexed in one pass
-- (many times faster than row by row); three statements, each short enough for usherctl's
-- 30-second read timeout at a million users. Done when the index is there.
SET @mroonga = (SELECT COUNT(*) FROM information_schema.engines
                WHERE engine = 'Mroonga' AND support IN ('YES', 'DEFAULT'))
             * (1 - (SELECT COUNT(*) FROM information_schema.statistics
                     WHERE table_schema = DATABASE() AND table_name = 'user_search'
                     AND index_name = 'ft_user_search'));
BEGIN NOT ATOMIC
    IF @mroonga THEN
        DROP TABLE IF EXISTS user_search;
        CREATE TABLE user_search (
            id    VARCHAR(64) NOT NULL,
            body  TEXT        NOT NULL,
            PRIMARY KEY (id)
        ) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
        INSERT INTO user_search (id, body)
            SELECT id, CONCAT(LOWER(name) COLLATE utf8mb4_bin, '\n', email) FROM `user`;
    END IF;
END;
BEGIN NOT ATOMIC
    IF @mroonga THEN
        ALTER TABLE user_search ADD FULLTEXT KEY ft_user_search (body)
            COMMENT 'tokenizer "TokenBigram", normalizer "none"';
    END IF;
END;
