-- the status of every usable dump that is a version of a capture a load touched: loaded when it is the
-- snapshot of at least one capture, superseded when a more complete version is the snapshot of each
update raw_dumps
set status = if(dump_id in (select dump_id from ticker_snapshots), 'loaded', 'superseded')
where status <> 'rejected'
  and dump_id in (
      select v.dump_id
      from snapshot_versions as v
      semi join snapshot_touched as t on t.snapshot_id = v.snapshot_id
  );
