-- schema 1 -> 2: ingest_runs says which kind of run each row records (ingest | rebuild)
alter table ingest_runs add column if not exists kind varchar default 'ingest'
