-- one row per headline per Africa/Casablanca day on the ticker, from every stored item: what the loads'
-- merges (load/headline_days.sql) add up to. Run by the open of a warehouse whose headline_days a
-- migration created empty (schema 1 had none), inside the migration's transaction.
insert or replace into headline_days
select
    timezone('Africa/Casablanca', s.captured_at)::date as day,
    i.headline_id,
    count(*)::integer as slots,
    count(distinct i.snapshot_id)::integer as snapshots,
    min(i.position)::integer as best_position
from ticker_items as i
join ticker_snapshots as s using (snapshot_id)
group by all
