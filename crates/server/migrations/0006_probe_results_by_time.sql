-- Raw results are read by time across all services (live status, every few seconds) and
-- pruned by time once a minute; without this each of those scans the whole table, which
-- holds a month of results.
CREATE INDEX probe_results_by_time ON probe_results (at);
