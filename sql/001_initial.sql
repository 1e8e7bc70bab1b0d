-- usher schema, version 1.
--
-- Conventions (every later migration keeps them):
--   * InnoDB, utf8mb4. Identifiers, keys, emails, JSON and machine values compare byte
--     for byte (utf8mb4_bin, the table default); names people search and sort use
--     utf8mb4_unicode_ci, so LIKE on them is case-insensitive.
--   * Every timestamp is BIGINT epoch seconds, except tokens_valid_after_ms (milliseconds).
--   * Ids are VARCHAR(64), uuid4 text unless noted.
--   * JSON columns are declared JSON: in MariaDB that is LONGTEXT with a JSON_VALID check.
--   * Every statement is re-runnable (IF NOT EXISTS), because DDL commits implicitly in
--     MariaDB and a migration interrupted half-way is simply run again.
--   * Tables are created parents first, so the foreign keys resolve.

-- Accounts. The primary admin is the row with the earliest created_at.
CREATE TABLE IF NOT EXISTS `user` (
    id                        VARCHAR(64)  NOT NULL,
    -- Stored lowercased by the application and looked up exactly (`WHERE email = ?` with
    -- the lowercased value, through uq_user_email). email_lower is the server's own
    -- LOWER(email): its unique index refuses a second spelling of an address even if a
    -- caller forgot to lowercase. Search with `email LIKE LOWER(?)`.
    email                     VARCHAR(255) NOT NULL,
    email_lower               VARCHAR(255) AS (LOWER(email)) STORED,
    username                  VARCHAR(50)  NULL,
    role                      VARCHAR(16)  NOT NULL DEFAULT 'pending',
    name                      VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    -- May hold a data: URI, hence MEDIUMTEXT. '' means "the default image".
    profile_image_url         MEDIUMTEXT   NOT NULL DEFAULT '',
    profile_banner_image_url  TEXT         NULL,
    bio                       TEXT         NULL,
    gender                    TEXT         NULL,
    date_of_birth             DATE         NULL,
    timezone                  VARCHAR(64)  NULL,
    presence_state            VARCHAR(32)  NULL,
    status_emoji              VARCHAR(64)  NULL,
    status_message            TEXT         NULL,
    status_expires_at         BIGINT       NULL,
    info                      JSON         NULL,
    settings                  JSON         NULL,
    variables                 JSON         NULL,
    oauth                     JSON         NULL,
    scim                      JSON         NULL,
    last_active_at            BIGINT       NOT NULL,
    updated_at                BIGINT       NOT NULL,
    created_at                BIGINT       NOT NULL,
    -- Per-user revocation mark: a token issued before this instant (epoch milliseconds)
    -- is invalid. Set by password change, role change and deletion.
    tokens_valid_after_ms     BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE KEY uq_user_email (email),
    UNIQUE KEY uq_user_email_lower (email_lower),
    -- primary admin (earliest) and the default listing (created_at DESC, id)
    KEY ix_user_created_at (created_at, id),
    KEY ix_user_last_active_at (last_active_at),
    KEY ix_user_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Password credentials, one row per user (id = user.id). Insert the user row first.
CREATE TABLE IF NOT EXISTS auth (
    id        VARCHAR(64)  NOT NULL,
    email     VARCHAR(255) NOT NULL,
    password  TEXT         NOT NULL,
    active    TINYINT(1)   NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    CONSTRAINT fk_auth_user FOREIGN KEY (id) REFERENCES `user` (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One API key per user. The key itself is never stored: key_digest is the lowercase hex
-- SHA-256 of the whole "sk-..." string (the lookup), key_sealed its AES-256-GCM
-- ciphertext (NULL in show-once mode).
CREATE TABLE IF NOT EXISTS api_key (
    id            VARCHAR(80)  NOT NULL,              -- "key_" + user_id
    user_id       VARCHAR(64)  NOT NULL,
    key_digest    CHAR(64)     NOT NULL,
    key_sealed    TEXT         NULL,
    data          JSON         NULL,
    expires_at    BIGINT       NULL,
    last_used_at  BIGINT       NULL,
    created_at    BIGINT       NOT NULL,
    updated_at    BIGINT       NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_api_key_user_id (user_id),
    UNIQUE KEY uq_api_key_key_digest (key_digest),
    CONSTRAINT fk_api_key_user FOREIGN KEY (user_id) REFERENCES `user` (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Groups. user_id is the creator and deliberately not a foreign key: deleting the
-- creator leaves the group.
CREATE TABLE IF NOT EXISTS `group` (
    id           VARCHAR(64)  NOT NULL,
    user_id      VARCHAR(64)  NULL,
    name         VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    description  TEXT         COLLATE utf8mb4_unicode_ci NOT NULL,
    data         JSON         NULL,
    meta         JSON         NULL,
    permissions  JSON         NULL,
    created_at   BIGINT       NOT NULL,
    updated_at   BIGINT       NOT NULL,
    PRIMARY KEY (id),
    KEY ix_group_updated_at (updated_at),
    KEY ix_group_name (name)                         -- name-based sync (trusted header)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS group_member (
    id          VARCHAR(64)  NOT NULL,
    group_id    VARCHAR(64)  NOT NULL,
    user_id     VARCHAR(64)  NOT NULL,
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_group_member_group_user (group_id, user_id),
    KEY ix_group_member_user_id_group_id (user_id, group_id),
    CONSTRAINT fk_group_member_group FOREIGN KEY (group_id) REFERENCES `group` (id)
        ON DELETE CASCADE,
    CONSTRAINT fk_group_member_user FOREIGN KEY (user_id) REFERENCES `user` (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Persistent settings, one JSON value per key (the reference's names: ui.enable_signup,
-- auth.jwt_expiry, user.permissions, ...).
CREATE TABLE IF NOT EXISTS config (
    `key`       VARCHAR(191) NOT NULL,
    value       JSON         NOT NULL,
    updated_at  BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (`key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Who may read or write a resource. principal_type is user | group | anyone;
-- principal_id a user id, a group id, or '*' (every signed-in user for 'user', anyone
-- at all for 'anyone'). No foreign key: the principal may be either kind, so deleting a
-- user or group deletes its grants explicitly.
CREATE TABLE IF NOT EXISTS access_grant (
    id              VARCHAR(64)  NOT NULL,
    resource_type   VARCHAR(32)  NOT NULL,
    resource_id     VARCHAR(255) NOT NULL,
    principal_type  VARCHAR(16)  NOT NULL,
    principal_id    VARCHAR(64)  NOT NULL,
    permission      VARCHAR(16)  NOT NULL,          -- read | write
    created_at      BIGINT       NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_access_grant_grant
        (resource_type, resource_id, principal_type, principal_id, permission),
    KEY ix_access_grant_principal (principal_type, principal_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Per-provider OAuth tokens of a user (read by GET /users/{id}/oauth/sessions).
CREATE TABLE IF NOT EXISTS oauth_session (
    id          VARCHAR(64)  NOT NULL,
    user_id     VARCHAR(64)  NOT NULL,
    provider    VARCHAR(191) NOT NULL,
    token       JSON         NOT NULL,
    expires_at  BIGINT       NULL,
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL,
    PRIMARY KEY (id),
    KEY ix_oauth_session_user_provider (user_id, provider),
    CONSTRAINT fk_oauth_session_user FOREIGN KEY (user_id) REFERENCES `user` (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Signed-out tokens, by jti, kept until they would have expired anyway (NULL: the token
-- has no exp, keep forever). Purge with `DELETE ... WHERE expires_at < now`.
CREATE TABLE IF NOT EXISTS revoked_token (
    jti         VARCHAR(64)  NOT NULL,
    user_id     VARCHAR(64)  NOT NULL,
    expires_at  BIGINT       NULL,
    PRIMARY KEY (jti),
    KEY ix_revoked_token_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Sign-in rate limit shared by every worker and host. email_key is the lowercase hex
-- SHA-256 of the lowercased email (fixed length, and no address is kept for an attempt);
-- bucket is the epoch minute (epoch seconds / 60). Count with
--   INSERT ... VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE attempts = attempts + 1
-- and sum the current bucket and the 3 before it; purge with `WHERE bucket < ?`.
CREATE TABLE IF NOT EXISTS signin_attempt (
    email_key  CHAR(64)  NOT NULL,
    bucket     BIGINT    NOT NULL,
    attempts   INT       NOT NULL,
    PRIMARY KEY (email_key, bucket),
    KEY ix_signin_attempt_bucket (bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
