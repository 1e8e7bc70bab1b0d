-- usher schema, version 6: the audit trail.
--
-- One row per audited request (sign-in and its failures, sign-up, sign-out, password and
-- role changes, user add/update/delete, group and permission changes, admin settings, API
-- key creation and deletion): who (actor_id, or for a sign-in the e-mail as typed), what
-- (action, target, a short detail such as the fields changed: never a value, never a
-- secret), the outcome (the HTTP status), from where (client address and user agent) and
-- when. Read with `usherctl audit`; rows older than audit.retention are pruned.
CREATE TABLE IF NOT EXISTS audit_log (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    at           BIGINT        NOT NULL,
    action       VARCHAR(64)   NOT NULL,
    status       SMALLINT      NOT NULL,
    actor_id     VARCHAR(64)   NULL,
    actor_email  VARCHAR(255)  NULL,
    target_type  VARCHAR(16)   NULL,
    target_id    VARCHAR(255)  NULL,
    detail       VARCHAR(255)  NULL,
    client_addr  VARCHAR(64)   NULL,
    user_agent   VARCHAR(255)  NULL,
    PRIMARY KEY (id),
    KEY ix_audit_log_at (at),
    KEY ix_audit_log_actor_at (actor_id, at),
    KEY ix_audit_log_action_at (action, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
