-- PostgreSQL's 0015 makes replicas hear each other's writes (LISTEN/NOTIFY). One server
-- owns a SQLite file and hears its own writes in process, so here there is nothing to
-- change; the migration is kept so that both stores' histories keep the same numbers.
SELECT 1;
