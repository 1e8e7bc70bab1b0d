-- The million users of the benchmark (issue 18, "How it is measured"), seeded by SQL from
-- the Sequence engine into the schema `usherctl migrate` made: four statements of @n / 4
-- rows (250,000 by default) in primary-key order. Run it with bench/seed/users.sh, which
-- also runs `usherctl reindex` (the listing's fences and the search index follow SQL written
-- by hand only through it). @n (at most 1,000,000, a multiple of 4) may be set before.
--
--   name   "<first> <last> X<code>": 11 first and 13 last names (mixed case, non-ASCII), so
--          each pair is ~7,000 users; <code> is 4 base-36 characters unique per user
--   email  u<seq>@d<seq % 1000>.example.org: distinct, ~1,000 per domain
--   role   2 % admin, 8 % pending, 90 % user
--   created_at over ~3 years, last_active_at over ~4 months after it, both in seconds
-- No auth rows. The benchmark's admin signs up afterwards.
SET SESSION unique_checks = 0, foreign_key_checks = 0;
SET @base = UNIX_TIMESTAMP() - 100000000;
SET @first = JSON_ARRAY('Émile', 'Zoë', 'Łukasz', 'anna', 'BJÖRN', 'Chloé', 'Dmitri', 'eva',
                        'François', 'Gül', 'Hana');
SET @last = JSON_ARRAY('Müller', 'Ñúñez', 'O''Brien', 'smith', 'Østergaard', 'DUBOIS',
                       'Kowalski', 'Nakamura', 'rossi', 'García', 'Schröder', 'Yılmaz', 'Öztürk');
PREPARE seed FROM
 'INSERT INTO `user` (id, email, role, name, last_active_at, updated_at, created_at)
  SELECT CONCAT(''00000000-0000-4000-8000-'', LPAD(s.seq, 12, ''0'')),
         CONCAT(''u'', s.seq, ''@d'', s.seq % 1000, ''.example.org''),
         CASE WHEN s.seq % 50 = 7 THEN ''admin'' WHEN s.seq % 50 IN (1, 11, 21, 31) THEN ''pending''
              ELSE ''user'' END,
         CONCAT(JSON_VALUE(@first, CONCAT(''$['', s.seq % 11, '']'')), '' '',
                JSON_VALUE(@last, CONCAT(''$['', (s.seq DIV 11) % 13, '']'')), '' X'',
                LPAD(CONV(s.seq * 7919 % 1679609, 10, 36), 4, ''0'')),
         @base + s.seq * 94 + (s.seq * 104729) % 10000000,
         @base + s.seq * 94,
         @base + s.seq * 94
  FROM seq_1_to_1000000 s WHERE s.seq BETWEEN ? AND ?';
SET @n = COALESCE(@n, 1000000);
SET @a = 1, @b = @n DIV 4;
EXECUTE seed USING @a, @b;
SET @a = @b + 1, @b = @n DIV 2;
EXECUTE seed USING @a, @b;
SET @a = @b + 1, @b = @n DIV 4 * 3;
EXECUTE seed USING @a, @b;
SET @a = @b + 1, @b = @n;
EXECUTE seed USING @a, @b;
DEALLOCATE PREPARE seed;
UPDATE user_count SET n = (SELECT COUNT(*) FROM `user`) WHERE id = 1;
