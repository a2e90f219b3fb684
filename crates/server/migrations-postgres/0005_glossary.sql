-- The glossary behind the plain-language hints, as editors last saved it: one row.
CREATE TABLE glossary (
    id          bigint      PRIMARY KEY CHECK (id = 1),
    terms       jsonb       NOT NULL,   -- [{"term": "...", "suggestion": "..."}]
    updated_at  timestamptz NOT NULL,
    updated_by  text        NOT NULL
);
