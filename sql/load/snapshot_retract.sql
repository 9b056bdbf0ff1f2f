-- removes the stored snapshots a load retracts (temp table snapshot_retracted: a more complete version
-- of their capture came, or an earlier time of theirs), with their items; keeps the (day, headline)
-- pairs they counted in, which load/snapshot_recount.sql counts again once the load has added its own
create or replace temp table recount_keys as
select distinct
    timezone('Africa/Casablanca', r.captured_at)::date as day,
    i.headline_id
from ticker_items as i
inner join snapshot_retracted as r on r.snapshot_id = i.snapshot_id;

delete from ticker_items
where snapshot_id in (select snapshot_id from snapshot_retracted);

delete from ticker_snapshots
where snapshot_id in (select snapshot_id from snapshot_retracted);
