-- adds items of snapshots not yet loaded: one row per (snapshot_id, position)
insert or ignore into ticker_items by name
select snapshot_id, position, headline_id, headline, language
from read_parquet($files)
