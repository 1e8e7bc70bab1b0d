-- usher schema, version 16: the version of the resource registries and their access grants
-- (model, knowledge, tool, access_grant), beside the groups' version (sql/011, issue 18).
--
-- Workers keep the three registries and their read grants in memory and answer the access
-- previews from that copy (src/db/previews.c), reading it again only when this
-- version, fetched with the caller's row on every request, differs from the one they hold.
-- It lives in the groups' version row, which the caller lookup reads already, so knowing it
-- costs a request nothing. Every write of those tables by usher (src/db/) gives it a new
-- random value in the same transaction; rows written by hand need `usherctl recount`,
-- which gives it one too. Re-runnable.
ALTER TABLE group_version ADD COLUMN IF NOT EXISTS resources_v BIGINT NOT NULL DEFAULT 0;
UPDATE group_version SET resources_v = FLOOR(RAND() * 9007199254740992)
    WHERE id = 1 AND resources_v = 0;
