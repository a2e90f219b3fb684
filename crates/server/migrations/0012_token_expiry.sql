-- An API token may stop working by itself at a time set when it is made; NULL: it works
-- until it is revoked, as every token made before this did.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
