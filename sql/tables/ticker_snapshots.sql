-- one row per capture of one edition's ticker (README "What a snapshot is"): the ticker as it stood then,
-- read from the most complete of the capture's versions (snapshot_versions)
create table if not exists ticker_snapshots (
    snapshot_id varchar primary key,      -- the capture: snapshot_key() of sql/macros/snapshots.sql
    captured_at timestamptz not null,     -- UTC
    capture_method varchar not null,      -- manifest | filename | ticker_date | mtime
    edition varchar,                      -- fr | ar: the language most of its headlines are in
    n_items integer not null,
    stated_date date,                     -- the date the ticker states about today, if any
    dump_id varchar                       -- the dump it was read from (raw_dumps.dump_id)
);
