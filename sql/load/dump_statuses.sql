-- the status of every usable dump that is a version of a capture a load touched: loaded when it is the
-- snapshot of at least one capture, superseded when a more complete version is the snapshot of each
-- (only the rows whose status changes are written: most loads change none)
update raw_dumps
set status = c.status
from (
    select
        v.dump_id,
        if(bool_or(s.dump_id is not null), 'loaded', 'superseded') as status
    from snapshot_versions as v
    semi join snapshot_touched as t on t.snapshot_id = v.snapshot_id
    left join ticker_snapshots as s on s.dump_id = v.dump_id
    group by v.dump_id
) as c
where raw_dumps.dump_id = c.dump_id
  and raw_dumps.status <> 'rejected'
  and raw_dumps.status <> c.status
