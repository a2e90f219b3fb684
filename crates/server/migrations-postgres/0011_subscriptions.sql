-- Readers who asked to hear about incidents and planned maintenance (see SQLite's 0011).
CREATE TABLE subscribers (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text        NOT NULL,           -- 'email'
    address       text        NOT NULL,           -- lower case
    all_services  boolean     NOT NULL,
    incidents     boolean     NOT NULL,
    maintenance   boolean     NOT NULL,
    created_at    timestamptz NOT NULL,
    confirmed_at  timestamptz,
    confirmations_sent  bigint      NOT NULL DEFAULT 0,
    confirmations_since timestamptz NOT NULL,
    UNIQUE (kind, address)
);
CREATE INDEX subscribers_unconfirmed ON subscribers (created_at) WHERE confirmed_at IS NULL;

CREATE TABLE subscriber_services (
    subscriber bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    service    text   NOT NULL,
    PRIMARY KEY (subscriber, service)
);
CREATE INDEX subscriber_services_by_service ON subscriber_services (service);

CREATE TABLE subscriber_tokens (
    hash       text        PRIMARY KEY,
    subscriber bigint      NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    purpose    text        NOT NULL,              -- 'confirm' | 'manage'
    created_at timestamptz NOT NULL
);
CREATE INDEX subscriber_tokens_by_subscriber ON subscriber_tokens (subscriber);

CREATE TABLE subscription_news_sent (
    notice bigint NOT NULL,
    event  text   NOT NULL,
    PRIMARY KEY (notice, event)
);
