-- usher schema, version 18: a version on each super-run of the listing's fences (issue 18).
--
-- Each worker keeps a copy of an order's super-runs and of the fences of a few of them
-- (src/db/user_fence_copy.c), so that a page is one statement instead of three. The copy is
-- good while the super-runs are as it read them, which the page's own statement checks, in
-- its snapshot, by the count of super-runs, the sum of their n, the sum of their v and the
-- user count. v is what tells a write that moved users inside a super-run (a touch, a
-- rename) or split one of its runs, where the counts stay: every such write by usher adds 1
-- to the v of the super-run it changed, in its transaction (src/db/user_index.c); `usherctl
-- reindex` makes super-runs with v at the time of the rebuild in microseconds, larger than
-- any sum it replaces could have reached. Fences written by hand need `usherctl reindex`,
-- as before. Re-runnable.
ALTER TABLE user_fence2_name ADD COLUMN IF NOT EXISTS v BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_fence2_email ADD COLUMN IF NOT EXISTS v BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_fence2_created_at ADD COLUMN IF NOT EXISTS v BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_fence2_last_active_at ADD COLUMN IF NOT EXISTS v BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_fence2_role ADD COLUMN IF NOT EXISTS v BIGINT NOT NULL DEFAULT 0;
