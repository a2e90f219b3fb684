-- Everything the server sends out, written in the same transaction as its cause and
-- delivered afterwards with retries: nothing is lost on a crash and a receiver can drop
-- repeats by message_id. General on purpose: team alerts now ('alert'), subscriber
-- emails and webhooks later, each with its kind and destination.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT    NOT NULL UNIQUE,  -- the same on every try (webhook-id)
    kind            TEXT    NOT NULL,         -- what it is: 'alert'
    channel         TEXT    NOT NULL,         -- where it goes: a [[channel]] id
    payload         TEXT    NOT NULL,         -- JSON of what to say
    created_at      TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    -- While a sender holds it; a sender that died lets it go when this passes.
    claimed_until   TEXT,
    delivered_at    TEXT,
    gave_up_at      TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX outbox_by_time ON outbox (created_at);

-- What the alert rules remember between looks (open alerts, reminders sent, promises
-- already chased), so a restart neither repeats an alert nor forgets one.
CREATE TABLE alert_memory (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
