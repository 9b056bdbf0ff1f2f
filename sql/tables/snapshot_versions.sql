-- one row per dump per capture it is a version of: every dump that could be that capture's snapshot
-- (the one that is: ticker_snapshots.dump_id; the others are superseded: re-saved or half-written copies)
create table if not exists snapshot_versions (
    snapshot_id varchar not null,         -- the capture: snapshot_key() of sql/macros/snapshots.sql
    dump_id varchar not null,             -- raw_dumps.dump_id
    captured_at timestamptz not null,     -- UTC; for a dump with no stated instant, its earliest time seen
    capture_method varchar not null,      -- manifest | filename | ticker_date | mtime
    edition varchar,
    n_items integer not null,             -- headlines in its ticker: the first measure of completeness
    stated_date date,
    size_bytes bigint not null,           -- the second measure of completeness
    primary key (snapshot_id, dump_id)
);
