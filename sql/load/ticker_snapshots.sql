-- adds the snapshots this load decided (temp table snapshot_added, from load/snapshot_changes.sql)
insert into ticker_snapshots by name
select snapshot_id, captured_at, capture_method, edition, n_items, stated_date, dump_id
from snapshot_added
