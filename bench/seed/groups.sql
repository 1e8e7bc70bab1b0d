-- The groups of the million-user benchmark (bench/run.sh -u), after the users are seeded:
-- 1,000 groups `bg-1` .. `bg-1000` of 2,000 members each (every user in two of them, by
-- its place in the primary key), 400 models, knowledge bases and tools with read grants to
-- groups, and the measured member @member_id (set it before sourcing) in exactly 20 groups.
-- Visibility for that member (GET /api/v1/groups/?share=true): the 200 groups shared with
-- everyone (seq % 5 = 0), plus the 8 of its 20 shared with members: 208 of 1,000.
-- Memberships are written by hand: `usherctl recount` afterwards sets member_count.
-- Runs as MariaDB's root in database usher; needs the Sequence engine (seq_1_to_N).
SET SESSION unique_checks = 0, foreign_key_checks = 0;

INSERT INTO `group` (id, user_id, name, description, data, permissions, created_at, updated_at)
SELECT CONCAT('bg-', seq), NULL, CONCAT('Bench group ', seq), CONCAT('Group number ', seq),
       CASE seq % 5 WHEN 0 THEN '{"config":{"share":true}}'
                    WHEN 1 THEN '{"config":{"share":false}}'
                    ELSE '{"config":{"share":"members"}}' END,
       CONCAT('{"workspace":{"models":', IF(seq % 2, 'true', 'false'),
              ',"knowledge":', IF(seq % 3, 'false', 'true'),
              '},"chat":{"edit":true,"file_upload":', IF(seq % 4, 'true', 'false'),
              '},"features":{"notes":true,"web_search":', IF(seq % 7, 'false', 'true'),
              '},"sharing":{"public_models":', IF(seq % 11, 'false', 'true'), '}}'),
       1700000000 + seq * 60, 1700000000 + seq * 60
FROM seq_1_to_1000;

-- Every user in two groups, by its insertion number (user.seq, sql/002): bg-(1 + seq mod
-- 1000) and bg-(1 + (seq + 500) mod 1000), so each group has 2,000 members at 1,000,000
-- users. (No window function: it would sort the million ids in an on-disk temporary table.)
INSERT INTO group_member (id, group_id, user_id, created_at, updated_at)
SELECT CONCAT('bgm-', k.seq, '-', u.seq),
       CONCAT('bg-', 1 + (u.seq + (k.seq - 1) * 500) % 1000), u.id, 1700000000, 1700000000
FROM `user` u JOIN seq_1_to_2 k
WHERE u.id <> COALESCE(@member_id, '');

-- The measured member: 12 groups shared with everyone (bg-50, bg-100, .. bg-600) and 8
-- shared with members (bg-649, bg-699, .. bg-999).
INSERT IGNORE INTO group_member (id, group_id, user_id, created_at, updated_at)
SELECT CONCAT('bgm-member-', seq), CONCAT('bg-', IF(seq <= 12, seq * 50, seq * 50 - 1)),
       @member_id, 1700000000, 1700000000
FROM seq_1_to_20 WHERE @member_id IS NOT NULL;

INSERT INTO model (id, user_id, name, is_active, created_at, updated_at)
SELECT CONCAT('bm-', seq), NULL, CONCAT('Model ', seq), seq % 10 <> 0, seq, seq
FROM seq_1_to_200;
INSERT INTO knowledge (id, user_id, name, created_at, updated_at)
SELECT CONCAT('bk-', seq), NULL, CONCAT('Knowledge ', seq), seq, seq FROM seq_1_to_100;
INSERT INTO tool (id, user_id, name, created_at, updated_at)
SELECT CONCAT('bt-', seq), NULL, CONCAT('Tool ', seq), seq, seq FROM seq_1_to_100;
-- Read grants: each model, knowledge base and tool to one group (every fifth tool to
-- everyone), spread over the 1,000 groups so the member's 20 reach some of them.
INSERT INTO access_grant (id, resource_type, resource_id, principal_type, principal_id,
                          permission, created_at)
SELECT CONCAT('ga-', seq), 'model', CONCAT('bm-', seq), 'group',
       CONCAT('bg-', seq * 5), 'read', 0 FROM seq_1_to_200
UNION ALL
SELECT CONCAT('gk-', seq), 'knowledge', CONCAT('bk-', seq), 'group',
       CONCAT('bg-', 1 + (seq * 49) % 1000), 'read', 0 FROM seq_1_to_100
UNION ALL
SELECT CONCAT('gt-', seq), 'tool', CONCAT('bt-', seq), IF(seq % 5 = 0, 'user', 'group'),
       IF(seq % 5 = 0, '*', CONCAT('bg-', seq * 10)), 'read', 0 FROM seq_1_to_100;
