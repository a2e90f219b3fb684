-- Rate limits, kept in the database so that every replica counts the same (see SQLite's
-- 0016). Times are whole milliseconds since 1970 as bigint, not timestamptz: the
-- statement that takes an allowance does sums on them, written alike for both engines.
CREATE TABLE rate_limits (
    key   text    PRIMARY KEY,   -- namespaced: push/NAME, subscribe/ADDRESS
    tat   bigint  NOT NULL,      -- GCRA's theoretical arrival time
    taken boolean NOT NULL       -- whether the last request took one or was refused
);
CREATE INDEX rate_limits_by_tat ON rate_limits (tat);

CREATE TABLE sign_in_failures (
    key     text   PRIMARY KEY,  -- pair/ADDRESS/NAME, client/ADDRESS, name/NAME
    count   bigint NOT NULL,
    last_at bigint NOT NULL
);
CREATE INDEX sign_in_failures_by_last ON sign_in_failures (last_at);
