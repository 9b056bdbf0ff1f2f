-- merges the new items into the per-day headline aggregate: every measure adds up (a snapshot's items are
-- all loaded together, in one run), so nothing already stored is read again
insert into headline_days
select
    timezone('Africa/Casablanca', captured_at)::date as day,
    headline_id,
    count(*)::integer as slots,
    count(distinct snapshot_id)::integer as snapshots,
    min(position)::integer as best_position
from new_items($files)
group by all
on conflict (day, headline_id) do update set
    slots = slots + excluded.slots,
    snapshots = snapshots + excluded.snapshots,
    best_position = least(best_position, excluded.best_position)
