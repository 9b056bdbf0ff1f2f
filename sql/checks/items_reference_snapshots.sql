-- one row per ticker item whose snapshot is missing
select i.snapshot_id, i.position
from ticker_items as i
anti join ticker_snapshots as s using (snapshot_id)
