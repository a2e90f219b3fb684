-- Accounts, sign-in sessions and API tokens. No secret is kept in clear: passwords as
-- argon2 hashes, session ids and tokens as SHA-256 hashes.

CREATE TABLE accounts (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text        NOT NULL UNIQUE,
    role           text        NOT NULL,   -- support, editor, admin
    password_hash  text        NOT NULL,   -- argon2id, PHC string format
    created_at     timestamptz NOT NULL,
    disabled_at    timestamptz             -- never deleted, for the audit log
);

CREATE TABLE sessions (
    id_hash     text        PRIMARY KEY,   -- SHA-256 (hex) of the session id in the cookie
    account     bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text        NOT NULL UNIQUE,
    role          text        NOT NULL,    -- prober, support, editor, admin
    token_hash    text        NOT NULL UNIQUE,   -- SHA-256 (hex) of the token
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
