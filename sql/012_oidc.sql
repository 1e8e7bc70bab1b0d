-- usher schema: OpenID Connect sign-in (issue 20, openwebui-oauth.md).
--
-- oauth_pending: a login that went to the provider and has not come back, at most ten
-- minutes. The row is found by its state and belongs to the browser whose oauth_login
-- cookie hashes to binding (SHA-256, hex); the callback deletes it (once: the DELETE's row
-- count decides) only after both matched, so a refused callback spends nothing.
CREATE TABLE IF NOT EXISTS oauth_pending (
    state         VARCHAR(64)   NOT NULL,
    binding       CHAR(64)      NOT NULL,
    nonce         VARCHAR(64)   NOT NULL,
    verifier      VARCHAR(128)  NOT NULL,
    redirect_uri  VARCHAR(2048) NOT NULL,
    next_path     VARCHAR(512)  NULL,
    expires_at    BIGINT        NOT NULL,
    PRIMARY KEY (state),
    KEY ix_oauth_pending_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The account of a provider subject: user.oauth = {"oidc": {"sub": ...}}, found through
-- an index on that one member (a virtual column: nothing writes it).
ALTER TABLE `user` ADD COLUMN IF NOT EXISTS oauth_oidc_sub VARCHAR(255)
    AS (JSON_VALUE(oauth, '$.oidc.sub')) VIRTUAL;
CREATE INDEX IF NOT EXISTS ix_user_oauth_oidc_sub ON `user` (oauth_oidc_sub);
