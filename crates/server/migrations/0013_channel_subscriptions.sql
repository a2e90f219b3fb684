-- Subscriptions that staff (admins) make for other teams and systems: a signed webhook
-- in Statuspage's shapes, or a Teams or Slack channel's incoming webhook. They are rows of
-- `subscribers` like email addresses, with `kind` 'webhook', 'teams' or 'slack' and the
-- URL as `address` (a secret: never logged, exported or shown again in full), so the
-- same news queue, outbox and worker carry their messages. An admin made them, so they
-- are confirmed when made.
ALTER TABLE subscribers ADD COLUMN status_changes INTEGER NOT NULL DEFAULT 0; -- component updates too
ALTER TABLE subscribers ADD COLUMN name TEXT;              -- who it is for: "ESR team's system"
ALTER TABLE subscribers ADD COLUMN secret TEXT;            -- webhooks: whsec_…, what they are signed with
ALTER TABLE subscribers ADD COLUMN created_by TEXT;        -- the admin who made it
ALTER TABLE subscribers ADD COLUMN last_delivered_at TEXT;
ALTER TABLE subscribers ADD COLUMN last_error TEXT;        -- in words, with the host only
-- Set when a message to it failed every try (about two hours): nothing more is queued
-- for it until a message (a test) gets through again.
ALTER TABLE subscribers ADD COLUMN paused_at TEXT;
