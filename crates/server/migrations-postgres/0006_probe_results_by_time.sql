-- Raw results are read and pruned by time across all services.
CREATE INDEX probe_results_by_time ON probe_results (at);
