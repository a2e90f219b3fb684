-- Daily uptime per service per UK day, kept for ever; raw probe results are pruned.
CREATE TABLE daily_uptime (
    service           text   NOT NULL,
    date              date   NOT NULL,   -- UK calendar day
    checks            bigint NOT NULL,
    failed_checks     bigint NOT NULL,
    minutes           bigint NOT NULL,
    minutes_down      bigint NOT NULL,
    minutes_degraded  bigint NOT NULL,
    minutes_no_data   bigint NOT NULL,
    median_latency_ms bigint,
    p95_latency_ms    bigint,
    PRIMARY KEY (service, date)
);

-- Who changed what, when. Never updated or deleted by the application.
CREATE TABLE audit_log (
    id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text        NOT NULL,
    action  text        NOT NULL,   -- e.g. notice.create, report.save
    target  text        NOT NULL,   -- e.g. notice/4, incident/3
    detail  text        NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (at);
