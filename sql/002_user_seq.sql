-- usher schema, version 2: the order in which accounts were created.
--
-- created_at has whole seconds, so two accounts made in the same second tied, and the
-- "primary admin" (the earliest account, which may not be demoted or deleted) was then
-- picked by random id. seq is assigned by the server at insert and breaks the tie with
-- the real order. Re-runnable: the column and index are added only when missing.
ALTER TABLE `user` ADD COLUMN IF NOT EXISTS seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE;
CREATE INDEX IF NOT EXISTS ix_user_created_at_seq ON `user` (created_at, seq);
