-- usher schema, version 15: the search index (sql/010) says which of its rows are exact, and
-- holds what the default listing order needs, so a search checks and orders those rows
-- without reading `user` (src/db/user_list.c; issue 18, a first and last name pair).
--
-- exact = 1: body and created_at are those of the committed user, so `body LIKE` decides
-- the match and created_at the order. Mroonga is not transactional: a write first sets
-- exact = 0 on the rows it is about to change (a rename, a deletion; a new row starts at 0),
-- and after its commit sets the committed text and then exact = 1 if the text is still the
-- user's (src/db/user_index.c). Rows at 0 are checked against `user` as before. exact comes
-- first in the table: Mroonga writes a row's columns in their order, so one statement that
-- clears exact and changes body clears it before the body changes.
--
-- id is NULL-able so that MariaDB does not make its unique key the table's primary key:
-- a Mroonga table without one hands a search's rows over without looking each one up again
-- by its key (half the cost of a candidate at a million users).
--
-- Made only with the Mroonga engine (as 010), when user_search is not yet of this shape;
-- filled, then indexed in one pass (when the index is missing), in statements short enough
-- for usherctl's 30-second read timeout at a million users. Re-runnable.
SET @rebuild = (SELECT COUNT(*) FROM information_schema.engines
                WHERE engine = 'Mroonga' AND support IN ('YES', 'DEFAULT'))
             * (1 - (SELECT COUNT(*) FROM information_schema.columns
                     WHERE table_schema = DATABASE() AND table_name = 'user_search'
                     AND column_name = 'exact'));
BEGIN NOT ATOMIC
    IF @rebuild THEN
        DROP TABLE IF EXISTS user_search;
        CREATE TABLE user_search (
            exact       TINYINT     NOT NULL DEFAULT 0,
            id          VARCHAR(64) NULL,
            body        TEXT        NOT NULL,
            created_at  BIGINT      NOT NULL DEFAULT 0,
            UNIQUE KEY uq_user_search_id (id)
        ) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
        INSERT INTO user_search (exact, id, body, created_at)
            SELECT 1, id, CONCAT(LOWER(name) COLLATE utf8mb4_bin, '\n', email), created_at
            FROM `user`;
    END IF;
END;
SET @index = (SELECT COUNT(*) FROM information_schema.engines
              WHERE engine = 'Mroonga' AND support IN ('YES', 'DEFAULT'))
           * (1 - (SELECT COUNT(*) FROM information_schema.statistics
                   WHERE table_schema = DATABASE() AND table_name = 'user_search'
                   AND index_name = 'ft_user_search'));
BEGIN NOT ATOMIC
    IF @index THEN
        ALTER TABLE user_search ADD FULLTEXT KEY ft_user_search (body)
            COMMENT 'tokenizer "TokenBigram", normalizer "none"';
    END IF;
END;
