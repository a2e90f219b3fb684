-- Everything the server sends out, written in the same transaction as its cause and
-- delivered afterwards with retries; claimed with FOR UPDATE SKIP LOCKED, so senders on
-- several replicas take different messages.
CREATE TABLE outbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      text        NOT NULL UNIQUE,  -- the same on every try (webhook-id)
    kind            text        NOT NULL,         -- 'alert', 'subscriber'
    channel         text        NOT NULL,         -- a [[channel]] id, or subscriber/ID
    payload         text        NOT NULL,         -- JSON of what to say, as sent
    created_at      timestamptz NOT NULL,
    attempts        bigint      NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    claimed_until   timestamptz,
    delivered_at    timestamptz,
    gave_up_at      timestamptz,
    last_error      text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX outbox_by_time ON outbox (created_at);

-- What the alert rules remember between looks.
CREATE TABLE alert_memory (
    key   text PRIMARY KEY,
    value text NOT NULL
);
