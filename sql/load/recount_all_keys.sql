-- every (day, headline) pair the stored items count in (temp table recount_keys), for
-- load/snapshot_recount.sql: run by the open of a warehouse whose headline_days a migration created
-- empty (schema 1 had none)
create or replace temp table recount_keys as
select distinct
    timezone('Africa/Casablanca', s.captured_at)::date as day,
    i.headline_id
from ticker_items as i
inner join ticker_snapshots as s using (snapshot_id)
