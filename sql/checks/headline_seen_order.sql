-- one row per headline whose first sighting is after its last, or whose count disagrees with its items:
-- n_snapshots must be the number of distinct snapshots its ticker_items rows are in (a headline shown
-- twice in one ticker counts once); item_snapshots is that number
with item_snapshots as (
    -- one pass over the items, grouped once by headline. Distinct hashes, not the 64-character ids:
    -- 2-4x cheaper (bench: ~1-2 s at 5 M items, ~6 s at 15 M, DuckDB capped at 1 GB); two snapshots
    -- of one headline sharing a 64-bit hash (a false alarm) is a ~1e-13 chance
    select headline_id, count(distinct hash(snapshot_id)) as item_snapshots
    from ticker_items
    group by headline_id
)

select
    h.headline_id,
    h.first_seen,
    h.last_seen,
    h.n_snapshots,
    coalesce(i.item_snapshots, 0) as item_snapshots
from headlines as h
left join item_snapshots as i using (headline_id)
where h.first_seen > h.last_seen
   or h.n_snapshots <> coalesce(i.item_snapshots, 0)
