-- usher schema, version 8: account security (usher-account-security.md): two-factor
-- sign-in and the sign-in lockout. (Named for the merge: renumber freely.)
--
-- user_mfa: one row per user with two-factor on or an enrolment pending. The TOTP secret
-- is kept only sealed (AES-256-GCM under the server secret, bound to the user id, as API
-- keys are). last_step is the last accepted 30-second step: a code for it or an earlier
-- one is refused, so every code works once on every worker (an UPDATE ... WHERE
-- last_step < ? decides, not a worker's memory).
CREATE TABLE IF NOT EXISTS user_mfa (
    user_id        VARCHAR(64)  NOT NULL,
    secret_sealed  VARCHAR(200) NULL,      -- two-factor on when not NULL
    pending_sealed VARCHAR(200) NULL,      -- an enrolment waiting for its confirmation
    enabled_at     BIGINT       NULL,
    last_step      BIGINT       NOT NULL DEFAULT 0,
    updated_at     BIGINT       NOT NULL,
    PRIMARY KEY (user_id),
    CONSTRAINT fk_user_mfa_user FOREIGN KEY (user_id) REFERENCES `user` (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Recovery codes, as HMAC-SHA256 under the server secret of "recovery:user_id:code" (hex):
-- a row goes when its code is used.
CREATE TABLE IF NOT EXISTS user_mfa_recovery (
    user_id     VARCHAR(64)  NOT NULL,
    code_hash   CHAR(64)     NOT NULL,
    created_at  BIGINT       NOT NULL,
    PRIMARY KEY (user_id, code_hash),
    CONSTRAINT fk_user_mfa_recovery_user FOREIGN KEY (user_id) REFERENCES `user` (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The second step of a sign-in: id is the SHA-256 (hex) of the mfa_token handed out (256
-- random bits), so the table holds nothing that completes a sign-in. issued_ms: when the
-- first step read the credentials (the session token is stamped with it, so a password
-- change in between ends it). used_at: the one completed sign-in it was good for.
CREATE TABLE IF NOT EXISTS mfa_challenge (
    id          CHAR(64)     NOT NULL,
    user_id     VARCHAR(64)  NOT NULL,
    issued_ms   BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL,
    used_at     BIGINT       NULL,
    PRIMARY KEY (id),
    KEY ix_mfa_challenge_expires_at (expires_at),
    CONSTRAINT fk_mfa_challenge_user FOREIGN KEY (user_id) REFERENCES `user` (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The lockout of an account (lockout.* in usher.conf). subject_key: the SHA-256 (hex) of
-- "user:ID" for an account, of "email:ADDRESS" for an address no account has (counted and
-- locked alike, so nothing tells whether an account exists). failures: since the last
-- completed sign-in or unlock (the k-th multiple of the threshold locks for
-- duration * 2^(k-1), at most max_duration); last_failure_at starts the count again after
-- lockout.window.
CREATE TABLE IF NOT EXISTS signin_lockout (
    subject_key      CHAR(64)  NOT NULL,
    failures         INT       NOT NULL DEFAULT 0,
    last_failure_at  BIGINT    NOT NULL DEFAULT 0,
    locked_until     BIGINT    NOT NULL DEFAULT 0,
    PRIMARY KEY (subject_key),
    KEY ix_signin_lockout_last_failure_at (last_failure_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Failed sign-ins per client address and epoch minute (lockout.ip_threshold within
-- lockout.ip_window, any accounts): password spraying from one address.
CREATE TABLE IF NOT EXISTS signin_address_failure (
    address   VARCHAR(64) NOT NULL,
    bucket    BIGINT      NOT NULL,
    failures  INT         NOT NULL,
    PRIMARY KEY (address, bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Sessions: one row per token usher issues, id = the token's jti. A session ends when its
-- jti is in revoked_token (sign-out, a revoke), when it expires, or when the user's
-- revocation mark (user.tokens_valid_after_ms, a password or role change, "revoke the
-- others", the admin's revoke-all) passes its issued_ms. The caller lookup reads the row
-- with the user (db/callers.c); last_seen_at is written at most once per active_interval.
CREATE TABLE IF NOT EXISTS user_session (
    id            VARCHAR(64)  NOT NULL,
    user_id       VARCHAR(64)  NOT NULL,
    issued_ms     BIGINT       NOT NULL,
    created_at    BIGINT       NOT NULL,
    last_seen_at  BIGINT       NOT NULL,
    expires_at    BIGINT       NULL,
    ip            VARCHAR(64)  NULL,
    user_agent    VARCHAR(255) NULL,
    method        VARCHAR(16)  NOT NULL,
    mfa           TINYINT(1)   NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY ix_user_session_user (user_id, issued_ms),
    KEY ix_user_session_expires_at (expires_at),
    CONSTRAINT fk_user_session_user FOREIGN KEY (user_id) REFERENCES `user` (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Named API keys: a user holds several. The default key (the one Open WebUI's single-key
-- routes act on, and the one an upgrade finds) keeps the id "key_" + user id; named keys
-- have a uuid4 id, a name, their first 7 characters, an optional expiry and list of
-- endpoints (JSON array of paths), and are stored as their digest only (key_sealed NULL).
ALTER TABLE api_key
    ADD COLUMN IF NOT EXISTS name VARCHAR(100) NULL,
    ADD COLUMN IF NOT EXISTS prefix CHAR(7) NULL,
    ADD COLUMN IF NOT EXISTS endpoints VARCHAR(4000) NULL,
    ADD COLUMN IF NOT EXISTS created_ms BIGINT NOT NULL DEFAULT 0,
    ADD INDEX IF NOT EXISTS ix_api_key_user (user_id);
UPDATE api_key SET created_ms = created_at * 1000 WHERE created_ms = 0;
ALTER TABLE api_key DROP INDEX IF EXISTS uq_api_key_user_id;
