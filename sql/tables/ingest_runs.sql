-- one row per ingest or rebuild run: what it saw, loaded and rejected
create table if not exists ingest_runs (
    run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    files_seen bigint not null,
    files_new bigint not null,
    dumps_loaded bigint not null,
    dumps_rejected bigint not null,
    rows_added json not null,             -- table -> rows added
    checks json not null,                 -- check -> failing rows
    kind varchar default 'ingest'         -- ingest | rebuild (schema 2)
);
