-- inserts one ingest_runs row: a run's summary (rows_added and checks as JSON text)
insert into ingest_runs (
    run_id, started_at, finished_at, files_seen, files_new, dumps_loaded, dumps_rejected, rows_added, checks,
    kind
)
values (
    $run_id, $started_at, $finished_at, $files_seen, $files_new, $dumps_loaded, $dumps_rejected, $rows_added,
    $checks, $kind
)
