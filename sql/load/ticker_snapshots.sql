-- adds snapshots not yet loaded: one row per snapshot_id
insert into ticker_snapshots by name
select distinct on (snapshot_id) *
from read_parquet($files) as staged
where not exists (select 1 from ticker_snapshots t where t.snapshot_id = staged.snapshot_id)
