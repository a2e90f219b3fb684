-- Heartbeats: batch jobs report in with a token of their own, kept as a SHA-256 hash.
CREATE TABLE heartbeat_tokens (
    probe      text        PRIMARY KEY,
    token_hash text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

-- What each job reported; only the newest reports of each probe are kept.
CREATE TABLE heartbeat_pings (
    id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    probe   text        NOT NULL,
    kind    text        NOT NULL CHECK (kind IN ('start', 'success', 'fail')),
    at      timestamptz NOT NULL,
    message text        NOT NULL DEFAULT '',
    run_ms  bigint
);
CREATE INDEX heartbeat_pings_by_probe ON heartbeat_pings (probe, id);
