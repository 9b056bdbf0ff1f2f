-- the staged versions of this load (files = the batches' versions.parquet), one per capture per dump,
-- keyed by their capture (sql/macros/snapshots.sql): a dump with no stated instant seen in several files
-- keeps its earliest time. load/snapshot_changes.sql stores them and decides what they change.
create or replace temp table staged_versions as
select snapshot_key(capture_method, edition, captured_at, dump_id) as snapshot_id, *
from read_parquet($files)
qualify row_number() over (
    partition by snapshot_key(capture_method, edition, captured_at, dump_id), dump_id
    order by captured_at, capture_method
) = 1
