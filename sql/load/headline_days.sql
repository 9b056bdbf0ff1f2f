-- recomputes the headline_days rows of every Casablanca day the staged snapshots touch, from all items of those days
insert or replace into headline_days
with touched as (
    select distinct timezone('Africa/Casablanca', captured_at)::date as day
    from read_parquet($files)
),

items as (
    select
        timezone('Africa/Casablanca', s.captured_at)::date as day,
        i.headline_id,
        i.snapshot_id,
        i.position
    from ticker_items as i
    join ticker_snapshots as s using (snapshot_id)
    where timezone('Africa/Casablanca', s.captured_at)::date in (select day from touched)
)

select
    day,
    headline_id,
    count(*)::integer as slots,
    count(distinct snapshot_id)::integer as snapshots,
    min(position)::integer as best_position
from items
group by all
