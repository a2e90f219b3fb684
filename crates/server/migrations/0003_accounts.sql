-- Accounts, sign-in sessions and API tokens. No secret is kept in clear: passwords as
-- argon2 hashes, session ids and tokens as SHA-256 hashes, so a copy of this file lets
-- no one sign in.

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    role           TEXT    NOT NULL,   -- support, editor, admin
    password_hash  TEXT    NOT NULL,   -- argon2id, PHC string format
    created_at     TEXT    NOT NULL,
    disabled_at    TEXT                -- set when an admin disabled it; never deleted, for the audit log
);

CREATE TABLE sessions (
    id_hash     TEXT    PRIMARY KEY,   -- SHA-256 (hex) of the session id in the cookie
    account     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL,    -- prober, support, editor, admin
    token_hash    TEXT    NOT NULL UNIQUE,   -- SHA-256 (hex) of the token
    created_at    TEXT    NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
