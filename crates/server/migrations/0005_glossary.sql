-- The glossary behind the plain-language hints, as editors last saved it: one row, the
-- terms as JSON in their order. No row means nobody has saved one, so the built-in terms
-- apply; a saved empty list stays empty.
CREATE TABLE glossary (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    terms       TEXT    NOT NULL,   -- JSON: [{"term": "...", "suggestion": "..."}]
    updated_at  TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL
);
