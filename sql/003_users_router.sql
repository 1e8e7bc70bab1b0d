-- usher schema, version 3: what the users router needs.
--
-- tokens_kept_jti: a password change ends every earlier session of the user except the one
-- that made the change (the v0.11.0 frontend keeps sending its old token afterwards). The
-- revocation mark (tokens_valid_after_ms) spares exactly this token id.
--
-- Indexes for the admin listing, so that every ORDER BY the API offers reads an index in
-- order instead of sorting the whole table (InnoDB appends the primary key, id, to each
-- secondary index, which is also the listing's tie-breaker).
ALTER TABLE `user` ADD COLUMN IF NOT EXISTS tokens_kept_jti VARCHAR(64) NULL;
CREATE INDEX IF NOT EXISTS ix_user_updated_at ON `user` (updated_at);
CREATE INDEX IF NOT EXISTS ix_user_role ON `user` (role);
