-- Heartbeats: batch jobs report in with a token of their own, one per heartbeat probe,
-- kept as a SHA-256 hash only; making a new one replaces the old, which stops working.
CREATE TABLE heartbeat_tokens (
    probe TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- What each job reported: a run began (start), ended well (success) or failed (fail,
-- with the job's message). run_ms is the time since the run's start, when it sent one.
-- Only the newest reports of each probe are kept (see store/sqlite/heartbeats.rs).
CREATE TABLE heartbeat_pings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    probe TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('start', 'success', 'fail')),
    at TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    run_ms INTEGER
);
CREATE INDEX heartbeat_pings_by_probe ON heartbeat_pings (probe, id);
