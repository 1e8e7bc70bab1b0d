-- usher schema: SCIM 2.0 provisioning (issue 21, spec openwebui-scim.md part B).
--
-- row_version: a counter every write of the row moves on (db_user_write, the group
-- writes). SCIM answers it as meta.version and the ETag (W/"<n>"): two writes in the same
-- second give two versions, which updated_at (seconds) could not.
ALTER TABLE `user` ADD COLUMN IF NOT EXISTS row_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE `group` ADD COLUMN IF NOT EXISTS row_version BIGINT NOT NULL DEFAULT 0;

-- A user's externalId under one provider key (SCIM_AUTH_PROVIDER, "scim" when unset): the
-- indexed copy of the user's `scim` JSON entry {"<provider>": {"external_id": ...}}, kept in
-- the same transaction as the JSON, so `externalId eq "..."` is an index lookup and a taken
-- externalId is refused by the unique key. Compared byte for byte (utf8mb4_bin).
CREATE TABLE IF NOT EXISTS user_external_id (
    user_id      VARCHAR(64)  NOT NULL,
    provider     VARCHAR(64)  NOT NULL,
    external_id  VARCHAR(255) NOT NULL,
    PRIMARY KEY (user_id, provider),
    UNIQUE KEY uq_user_external_id (provider, external_id),
    CONSTRAINT fk_user_external_id_user FOREIGN KEY (user_id) REFERENCES `user` (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A group's SCIM externalId (Open WebUI keeps none): unique, byte for byte.
CREATE TABLE IF NOT EXISTS group_external_id (
    group_id     VARCHAR(64)  NOT NULL,
    external_id  VARCHAR(255) NOT NULL,
    PRIMARY KEY (group_id),
    UNIQUE KEY uq_group_external_id (external_id),
    CONSTRAINT fk_group_external_id_group FOREIGN KEY (group_id) REFERENCES `group` (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- externalIds already in `scim` JSON (imported from Open WebUI, or written before this
-- migration): one row per provider entry with a string external_id that is not too long;
-- the first user keeps an externalId that two users share (INSERT IGNORE). Re-runnable.
INSERT IGNORE INTO user_external_id (user_id, provider, external_id)
SELECT u.id, k.provider,
       JSON_UNQUOTE(JSON_EXTRACT(u.scim, CONCAT('$."', k.provider, '".external_id')))
FROM `user` u,
     JSON_TABLE(JSON_KEYS(u.scim), '$[*]' COLUMNS (provider VARCHAR(64) PATH '$')) k
WHERE u.scim IS NOT NULL AND JSON_TYPE(u.scim) = 'OBJECT'
  AND k.provider NOT LIKE '%"%'
  AND JSON_TYPE(JSON_EXTRACT(u.scim, CONCAT('$."', k.provider, '".external_id'))) = 'STRING'
  AND CHAR_LENGTH(JSON_UNQUOTE(JSON_EXTRACT(u.scim, CONCAT('$."', k.provider, '".external_id'))))
      BETWEEN 1 AND 255
ORDER BY u.created_at, u.id;
