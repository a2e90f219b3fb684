-- Rate limits, kept in the store so that every server sharing it counts the same (see
-- `limits.rs` and `auth/limiter.rs`). Times here are whole milliseconds since 1970 as
-- integers, not text: the statements that take an allowance do sums on them.

-- Allowances (pushes per token, subscription requests per client), as GCRA: `tat` is
-- the theoretical arrival time, when the key's allowance is full again. A row whose
-- `tat` has passed says nothing a missing row does not, and is deleted.
CREATE TABLE rate_limits (
    key   TEXT    PRIMARY KEY,   -- namespaced: push/NAME, subscribe/ADDRESS
    tat   INTEGER NOT NULL,
    taken INTEGER NOT NULL       -- whether the last request took one (1) or was refused
);
CREATE INDEX rate_limits_by_tat ON rate_limits (tat);

-- Failed sign-ins, counted per client and name, per client and per name; each count is
-- forgotten a window after its last failure, when its row is deleted.
CREATE TABLE sign_in_failures (
    key     TEXT    PRIMARY KEY, -- pair/ADDRESS/NAME, client/ADDRESS, name/NAME
    count   INTEGER NOT NULL,
    last_at INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_by_last ON sign_in_failures (last_at);
