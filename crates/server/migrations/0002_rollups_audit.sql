-- Daily uptime per service per UK day, kept for ever; raw probe results are pruned.
CREATE TABLE daily_uptime (
    service           TEXT    NOT NULL,
    date              TEXT    NOT NULL,   -- UK calendar day, YYYY-MM-DD
    checks            INTEGER NOT NULL,
    failed_checks     INTEGER NOT NULL,
    minutes           INTEGER NOT NULL,
    minutes_down      INTEGER NOT NULL,
    minutes_degraded  INTEGER NOT NULL,
    minutes_no_data   INTEGER NOT NULL,
    median_latency_ms INTEGER,
    p95_latency_ms    INTEGER,
    PRIMARY KEY (service, date)
);

-- Who changed what, when. Never updated or deleted by the application.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT    NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,   -- e.g. notice.create, report.save
    target  TEXT    NOT NULL,   -- e.g. notice/4, incident/3
    detail  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (at);
