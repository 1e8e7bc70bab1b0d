-- usher schema, version 5: groups, permissions and access previews (issue 8).
--
-- Group names are unique. Open WebUI's name-based sync (LDAP, OAuth, the trusted groups
-- header) looks a group up by name and takes the first match, so two groups of one name
-- make membership depend on row order; usher refuses the second one instead (POST
-- /groups/create answers 400 "[ERROR: Error creating group]"). The column's collation is
-- utf8mb4_unicode_ci, so "Staff" and "staff" are the same name, as they are to the sync.
-- (An existing database with duplicate names fails this step: rename one, then migrate.)
DROP INDEX IF EXISTS ix_group_name ON `group`;
CREATE UNIQUE INDEX IF NOT EXISTS uq_group_name ON `group` (name);

-- The previews' lookups: grants of one resource type to a principal, read permission.
CREATE INDEX IF NOT EXISTS ix_access_grant_type_principal
    ON access_grant (resource_type, principal_type, principal_id, permission);

-- Minimal registries of the resources access grants point at, so that the previews
-- (GET /users/{id}/preview, /groups/id/{id}/preview) have something to list. usher does
-- not serve models, knowledge or tools; `usherctl resource` fills these tables. user_id
-- is the owner (no foreign key: a resource outlives its owner, as in Open WebUI).
CREATE TABLE IF NOT EXISTS model (
    id          VARCHAR(255) NOT NULL,
    user_id     VARCHAR(64)  NULL,
    name        VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    is_active   BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL,
    PRIMARY KEY (id),
    KEY ix_model_user_id (user_id),
    KEY ix_model_updated_at (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS knowledge (
    id          VARCHAR(255) NOT NULL,
    user_id     VARCHAR(64)  NULL,
    name        VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL,
    PRIMARY KEY (id),
    KEY ix_knowledge_user_id (user_id),
    KEY ix_knowledge_updated_at (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS tool (
    id          VARCHAR(255) NOT NULL,
    user_id     VARCHAR(64)  NULL,
    name        VARCHAR(255) COLLATE utf8mb4_unicode_ci NOT NULL,
    created_at  BIGINT       NOT NULL,
    updated_at  BIGINT       NOT NULL,
    PRIMARY KEY (id),
    KEY ix_tool_user_id (user_id),
    KEY ix_tool_updated_at (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
