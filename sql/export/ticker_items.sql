-- one row per headline per ticker snapshot, with the snapshot's capture time (partition: captured_date)
with snapshots as (
    select
        snapshot_id,
        captured_at,
        capture_method,
        edition
    from ticker_snapshots
),

tags as (
    select headline_id, list(topic order by topic) as topics
    from headline_topics
    group by headline_id
)

select
    -- partition: the capture day in Morocco, where the ticker was read
    cast(timezone('Africa/Casablanca', s.captured_at) as date) as captured_date,
    -- key
    cast(i.snapshot_id as varchar) as snapshot_id,
    cast(i.position as integer) as position,
    -- the item
    cast(i.headline_id as varchar) as headline_id,
    cast(i.headline as varchar) as headline,
    cast(i.language as varchar) as language,
    cast(coalesce(t.topics, []) as varchar[]) as topics,
    -- its snapshot
    cast(s.captured_at as timestamptz) as captured_at,
    cast(s.capture_method as varchar) as capture_method,
    cast(s.edition as varchar) as edition
from ticker_items as i
inner join snapshots as s using (snapshot_id)
left join tags as t using (headline_id)
