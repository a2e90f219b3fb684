-- Staff who sign in through Keycloak (OpenID Connect) have no account here (see SQLite's
-- 0014): their session carries their name and the role Keycloak gave them, and is
-- checked with Keycloak again at a bounded age (`recheck_at`).
ALTER TABLE sessions ALTER COLUMN account DROP NOT NULL;
ALTER TABLE sessions
    ADD COLUMN person      text,          -- signed in through Keycloak: their user name
    ADD COLUMN person_role text,          -- the role their Keycloak roles map to
    ADD COLUMN oidc_sealed text,          -- Keycloak's tokens, sealed with the session id
    ADD COLUMN recheck_at  timestamptz,   -- when the roles are next checked with Keycloak
    ADD CONSTRAINT sessions_account_or_person CHECK ((account IS NULL) = (person IS NOT NULL));

-- A Keycloak sign-in under way, kept in the database so that the browser may come back
-- to any replica; found by the hash of the flow cookie's value, used once.
CREATE TABLE oidc_logins (
    browser_hash   text        PRIMARY KEY,
    state          text        NOT NULL,
    nonce          text        NOT NULL,
    pkce_verifier  text        NOT NULL,
    next           text        NOT NULL,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX oidc_logins_by_expiry ON oidc_logins (expires_at);
