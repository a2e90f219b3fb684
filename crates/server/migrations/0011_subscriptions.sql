-- Readers who asked to hear about incidents and planned maintenance. Each is kept with
-- its choices and times only; deleting a subscriber deletes everything about it. Made
-- for more than email: `kind` says what `address` is ('email' now; webhooks and
-- channels later), and every message to a subscriber is an outbox row of kind
-- 'subscriber' whose channel is 'subscriber/ID', delivered by the same worker as alerts.
CREATE TABLE subscribers (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,           -- 'email'
    address       TEXT    NOT NULL,           -- lower case
    all_services  INTEGER NOT NULL,           -- 1: all of TIS; 0: those in subscriber_services
    incidents     INTEGER NOT NULL,
    maintenance   INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    confirmed_at  TEXT,                       -- NULL until the link is followed
    -- Confirmation emails sent since confirmations_since, so that nobody can have more
    -- than a few a day sent to an address through us.
    confirmations_sent  INTEGER NOT NULL DEFAULT 0,
    confirmations_since TEXT    NOT NULL,
    UNIQUE (kind, address)
);
CREATE INDEX subscribers_unconfirmed ON subscribers (created_at) WHERE confirmed_at IS NULL;

CREATE TABLE subscriber_services (
    subscriber INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    service    TEXT    NOT NULL,
    PRIMARY KEY (subscriber, service)
) WITHOUT ROWID;
CREATE INDEX subscriber_services_by_service ON subscriber_services (service);

-- The tokens in links we sent, by their SHA-256 only: made when a message is sent, so
-- no token is ever kept in the clear, not even in the outbox.
CREATE TABLE subscriber_tokens (
    hash       TEXT    PRIMARY KEY,
    subscriber INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,              -- 'confirm' | 'manage'
    created_at TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX subscriber_tokens_by_subscriber ON subscriber_tokens (subscriber);

-- Which time-driven news of a planned-maintenance notice has been queued ('soon',
-- 'started', 'ended'), so each goes out once, across restarts.
CREATE TABLE subscription_news_sent (
    notice INTEGER NOT NULL,
    event  TEXT    NOT NULL,
    PRIMARY KEY (notice, event)
) WITHOUT ROWID;
