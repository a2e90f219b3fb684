-- Several replicas on one database: each keeps its snapshot of what readers see, and
-- must hear within a second when another writes. Every statement that changes what
-- readers see notifies `tis_status_changes` with the table's name; PostgreSQL delivers
-- the notification when the transaction commits (never for one rolled back) and sends
-- one per table per transaction however many rows changed. A replica that misses one
-- (its listening connection broke) reads everything again when it listens again, and
-- every replica rebuilds its snapshot every few seconds anyway.
CREATE FUNCTION tis_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tis_status_changes', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

CREATE TRIGGER notices_changed AFTER INSERT OR UPDATE OR DELETE ON notices
    FOR EACH STATEMENT EXECUTE FUNCTION tis_status_changed();
CREATE TRIGGER incidents_changed AFTER INSERT OR UPDATE OR DELETE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION tis_status_changed();
CREATE TRIGGER incident_updates_changed AFTER INSERT OR UPDATE OR DELETE ON incident_updates
    FOR EACH STATEMENT EXECUTE FUNCTION tis_status_changed();
CREATE TRIGGER revisions_changed AFTER INSERT OR UPDATE OR DELETE ON revisions
    FOR EACH STATEMENT EXECUTE FUNCTION tis_status_changed();
CREATE TRIGGER probe_results_changed AFTER INSERT ON probe_results
    FOR EACH STATEMENT EXECUTE FUNCTION tis_status_changed();
CREATE TRIGGER status_changes_changed AFTER INSERT ON status_changes
    FOR EACH STATEMENT EXECUTE FUNCTION tis_status_changed();
CREATE TRIGGER heartbeat_pings_changed AFTER INSERT OR UPDATE OR DELETE ON heartbeat_pings
    FOR EACH STATEMENT EXECUTE FUNCTION tis_status_changed();
CREATE TRIGGER glossary_changed AFTER INSERT OR UPDATE OR DELETE ON glossary
    FOR EACH STATEMENT EXECUTE FUNCTION tis_status_changed();
