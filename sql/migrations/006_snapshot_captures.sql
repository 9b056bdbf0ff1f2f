-- schema 5 -> 6: a snapshot is one capture (README "What a snapshot is"), no longer one per dump content:
-- ticker_snapshots says which dump it was read from (so far the snapshot_id), dump_files keeps the time a
-- manifest gave each file (what a rebuild dates each file version by). snapshot_versions is a new table,
-- created by sql/tables/ and derived by the open (tickerhouse/warehouse.py, _rederive), which re-keys the
-- stored snapshots by capture and supersedes the less complete versions of each.
alter table ticker_snapshots add column if not exists dump_id varchar;
update ticker_snapshots set dump_id = snapshot_id where dump_id is null;
alter table dump_files add column if not exists manifest_captured_at timestamptz;
-- the dump's stored manifest time belonged to the file it was first read from
update dump_files
set manifest_captured_at = d.captured_at
from raw_dumps as d
where d.dump_id = dump_files.dump_id
  and d.capture_method = 'manifest'
  and d.first_path = dump_files.path
  and dump_files.manifest_captured_at is null;
