-- gives the stored items of each re-keyed snapshot its capture's id (temp table snapshot_added, whose
-- dumps were, before schema 6, the snapshot_id of their items); the versions that lost keep theirs, and
-- go with their retracted snapshot (load/snapshot_retract.sql)
update ticker_items
set snapshot_id = a.snapshot_id
from snapshot_added as a
where ticker_items.snapshot_id = a.dump_id
  and a.snapshot_id <> a.dump_id
