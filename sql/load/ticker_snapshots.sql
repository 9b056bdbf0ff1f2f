-- adds snapshots not yet loaded: one row per snapshot_id
insert or ignore into ticker_snapshots by name
select *
from read_parquet($files)
