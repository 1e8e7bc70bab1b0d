-- A stand-in for bench/seed/users.sql (perf-list's seed) until that lands: 1,000,000 users
-- in four statements of 250,000 rows in primary-key order, names with mixed case and
-- non-ASCII (12 first x 12 last names, ~7,000 users per pair), 1,000 e-mail domains, times
-- spread over years, 2 % admin, 8 % pending. No auth rows. usherctl recount afterwards.
SET SESSION unique_checks = 0, foreign_key_checks = 0;
INSERT INTO `user` (id, email, role, name, profile_image_url, last_active_at,
                    updated_at, created_at)
SELECT CONCAT('u', LPAD(seq, 7, '0')),
       CONCAT('user.', seq, '@d', seq % 1000, '.example'),
       CASE WHEN seq % 50 = 0 THEN 'admin' WHEN seq % 50 < 5 THEN 'pending' ELSE 'user' END,
       CONCAT(ELT(1 + seq % 12, 'Zoë', 'José', 'Ødegaard', 'Ana', 'mARIA', 'Łukasz', 'Émile', 'Chen', 'Søren', 'aïsha', 'Björn', 'Noah'), ' ', ELT(1 + (seq DIV 12) % 12, 'Müller', 'García', 'o''Brien', 'Nguyễn', 'SMITH', 'Ñúñez', 'Kowalski', 'Dubois', 'Jensen', 'Øster', 'Yılmaz', 'Rossi'), ' ', seq),
       '', 1500000000 + (seq * 7919) % 250000000, 1500000000 + (seq * 104729) % 250000000,
       1500000000 + (seq * 104729) % 250000000
FROM seq_1_to_250000;
INSERT INTO `user` (id, email, role, name, profile_image_url, last_active_at,
                    updated_at, created_at)
SELECT CONCAT('u', LPAD(seq, 7, '0')),
       CONCAT('user.', seq, '@d', seq % 1000, '.example'),
       CASE WHEN seq % 50 = 0 THEN 'admin' WHEN seq % 50 < 5 THEN 'pending' ELSE 'user' END,
       CONCAT(ELT(1 + seq % 12, 'Zoë', 'José', 'Ødegaard', 'Ana', 'mARIA', 'Łukasz', 'Émile', 'Chen', 'Søren', 'aïsha', 'Björn', 'Noah'), ' ', ELT(1 + (seq DIV 12) % 12, 'Müller', 'García', 'o''Brien', 'Nguyễn', 'SMITH', 'Ñúñez', 'Kowalski', 'Dubois', 'Jensen', 'Øster', 'Yılmaz', 'Rossi'), ' ', seq),
       '', 1500000000 + (seq * 7919) % 250000000, 1500000000 + (seq * 104729) % 250000000,
       1500000000 + (seq * 104729) % 250000000
FROM seq_250001_to_500000;
INSERT INTO `user` (id, email, role, name, profile_image_url, last_active_at,
                    updated_at, created_at)
SELECT CONCAT('u', LPAD(seq, 7, '0')),
       CONCAT('user.', seq, '@d', seq % 1000, '.example'),
       CASE WHEN seq % 50 = 0 THEN 'admin' WHEN seq % 50 < 5 THEN 'pending' ELSE 'user' END,
       CONCAT(ELT(1 + seq % 12, 'Zoë', 'José', 'Ødegaard', 'Ana', 'mARIA', 'Łukasz', 'Émile', 'Chen', 'Søren', 'aïsha', 'Björn', 'Noah'), ' ', ELT(1 + (seq DIV 12) % 12, 'Müller', 'García', 'o''Brien', 'Nguyễn', 'SMITH', 'Ñúñez', 'Kowalski', 'Dubois', 'Jensen', 'Øster', 'Yılmaz', 'Rossi'), ' ', seq),
       '', 1500000000 + (seq * 7919) % 250000000, 1500000000 + (seq * 104729) % 250000000,
       1500000000 + (seq * 104729) % 250000000
FROM seq_500001_to_750000;
INSERT INTO `user` (id, email, role, name, profile_image_url, last_active_at,
                    updated_at, created_at)
SELECT CONCAT('u', LPAD(seq, 7, '0')),
       CONCAT('user.', seq, '@d', seq % 1000, '.example'),
       CASE WHEN seq % 50 = 0 THEN 'admin' WHEN seq % 50 < 5 THEN 'pending' ELSE 'user' END,
       CONCAT(ELT(1 + seq % 12, 'Zoë', 'José', 'Ødegaard', 'Ana', 'mARIA', 'Łukasz', 'Émile', 'Chen', 'Søren', 'aïsha', 'Björn', 'Noah'), ' ', ELT(1 + (seq DIV 12) % 12, 'Müller', 'García', 'o''Brien', 'Nguyễn', 'SMITH', 'Ñúñez', 'Kowalski', 'Dubois', 'Jensen', 'Øster', 'Yılmaz', 'Rossi'), ' ', seq),
       '', 1500000000 + (seq * 7919) % 250000000, 1500000000 + (seq * 104729) % 250000000,
       1500000000 + (seq * 104729) % 250000000
FROM seq_750001_to_1000000;
