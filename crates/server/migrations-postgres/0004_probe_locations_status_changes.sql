-- Where each probe result came from, and whether a working check carried a warning.
ALTER TABLE probe_results ADD COLUMN location text;
ALTER TABLE probe_results ADD COLUMN degraded boolean NOT NULL DEFAULT false;

-- When what users were shown about a service changed into or out of trouble, kept for
-- ever (raw results are pruned) so incident timelines can show what the probes saw.
CREATE TABLE status_changes (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service     text        NOT NULL,
    at          timestamptz NOT NULL,
    from_status text        NOT NULL,
    to_status   text        NOT NULL,
    reason      text,
    detail      text        NOT NULL DEFAULT ''
);
CREATE INDEX status_changes_by_service_time ON status_changes (service, at);
CREATE INDEX status_changes_by_time ON status_changes (at);
