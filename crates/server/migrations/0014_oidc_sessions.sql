-- Staff who sign in through Keycloak (OpenID Connect) have no account here: their
-- session carries their name and the role Keycloak gave them, and is checked with
-- Keycloak again at a bounded age (`recheck_at`). Local accounts stay for break-glass.
-- SQLite cannot drop NOT NULL from a column, so the table is made again with its rows.
CREATE TABLE sessions_new (
    id_hash      TEXT    PRIMARY KEY,   -- SHA-256 (hex) of the session id in the cookie
    account      INTEGER REFERENCES accounts (id) ON DELETE CASCADE,   -- a local account
    person       TEXT,      -- signed in through Keycloak: their user name
    person_role  TEXT,      -- and the role their Keycloak roles map to (support, editor, admin)
    -- Keycloak's ID and refresh tokens, sealed (AEAD) with a key made from the session
    -- id, which only the browser's cookie holds: a copy of this file cannot use them.
    oidc_sealed  TEXT,
    recheck_at   TEXT,      -- when the roles are next checked with Keycloak
    csrf_token   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    CHECK ((account IS NULL) = (person IS NOT NULL))
);
INSERT INTO sessions_new (id_hash, account, csrf_token, created_at, expires_at)
    SELECT id_hash, account, csrf_token, created_at, expires_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_by_account ON sessions (account);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- A Keycloak sign-in under way, between sending the browser to Keycloak and its return:
-- kept here rather than in memory so it survives a restart and works with several
-- replicas. Found by the hash of a random value in a short-lived HttpOnly cookie, so
-- only the browser that started it can finish it; used once.
CREATE TABLE oidc_logins (
    browser_hash   TEXT PRIMARY KEY,   -- SHA-256 (hex) of the flow cookie's value
    state          TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    next           TEXT NOT NULL,      -- the staff page to land on
    expires_at     TEXT NOT NULL
);
CREATE INDEX oidc_logins_by_expiry ON oidc_logins (expires_at);
