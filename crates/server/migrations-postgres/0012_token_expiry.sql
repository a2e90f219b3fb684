-- An API token may stop working by itself at a time set when it is made.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
