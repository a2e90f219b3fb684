-- The first schema of the TIS Status store. Times are RFC 3339 UTC text.

CREATE TABLE probe_results (
    id          INTEGER PRIMARY KEY,
    probe       TEXT    NOT NULL,
    service     TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    ok          INTEGER NOT NULL,
    latency_ms  INTEGER NOT NULL,
    error_kind  TEXT,
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX probe_results_by_service_time ON probe_results (service, at);
CREATE INDEX probe_results_by_probe_time ON probe_results (probe, at);

CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    severity    TEXT    NOT NULL,
    services    TEXT    NOT NULL,   -- JSON array of service ids
    starts_at   TEXT    NOT NULL,
    ends_at     TEXT,
    audience    TEXT    NOT NULL,
    published   INTEGER NOT NULL,
    author      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    title           TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    impact          TEXT    NOT NULL,
    affected        TEXT    NOT NULL,   -- JSON array of {service, status}
    started_at      TEXT    NOT NULL,
    detected_at     TEXT,
    resolved_at     TEXT,
    next_update_at  TEXT,
    report          TEXT                -- JSON report, the current revision
);

CREATE TABLE incident_updates (
    id          INTEGER PRIMARY KEY,
    incident    INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    author      TEXT    NOT NULL
);
CREATE INDEX incident_updates_by_incident ON incident_updates (incident, at);

CREATE TABLE revisions (
    incident    INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    author      TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    report      TEXT    NOT NULL,
    PRIMARY KEY (incident, number)
);
