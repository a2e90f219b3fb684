-- Subscriptions that admins make for other teams and systems (see SQLite's 0013): rows of
-- `subscribers` with `kind` 'webhook', 'teams' or 'slack' and the URL as `address`.
ALTER TABLE subscribers
    ADD COLUMN status_changes    boolean NOT NULL DEFAULT false,  -- component updates too
    ADD COLUMN name              text,         -- who it is for: "ESR team's system"
    ADD COLUMN secret            text,         -- webhooks: whsec_…, what they are signed with
    ADD COLUMN created_by        text,         -- the admin who made it
    ADD COLUMN last_delivered_at timestamptz,
    ADD COLUMN last_error        text,         -- in words, with the host only
    ADD COLUMN paused_at         timestamptz;  -- every try failed: nothing more is queued
