-- Where each probe result came from (this server, or a standalone prober elsewhere), and
-- whether a working check carried a warning (a certificate close to expiry).
ALTER TABLE probe_results ADD COLUMN location TEXT;
ALTER TABLE probe_results ADD COLUMN degraded INTEGER NOT NULL DEFAULT 0;

-- When what users were shown about a service changed into or out of trouble, kept for
-- ever (raw results are pruned) so incident timelines can show what the probes saw.
CREATE TABLE status_changes (
    id          INTEGER PRIMARY KEY,
    service     TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    reason      TEXT,
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX status_changes_by_service_time ON status_changes (service, at);
CREATE INDEX status_changes_by_time ON status_changes (at);
