-- one row per dump that carries a headline ticker: the ticker as it stood at capture time
create table if not exists ticker_snapshots (
    snapshot_id varchar primary key,      -- the dump_id of the dump it was read from
    captured_at timestamptz not null,     -- UTC
    capture_method varchar not null,      -- manifest | filename | ticker_date | mtime
    edition varchar,                      -- fr | ar: the language most of its headlines are in
    n_items integer not null,
    stated_date date                      -- the date the ticker states about today, if any
);
