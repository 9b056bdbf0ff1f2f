-- one row per distinct headline: how long and how high it stayed on the ticker, with its topics
create or replace view headline_dwell as
with best as (
    select headline_id, min(best_position) as best_position
    from headline_days
    group by headline_id
),

tags as (
    select headline_id, list(topic order by topic) as topics
    from headline_topics
    group by headline_id
)

select
    h.headline_id,
    h.headline,
    h.language,
    -- dwell
    h.first_seen,
    h.last_seen,
    h.n_snapshots,
    date_diff('minute', h.first_seen, h.last_seen) / 60 as dwell_hours,
    b.best_position,
    -- topics
    coalesce(t.topics, []) as topics
from headlines as h
join best as b using (headline_id)
left join tags as t using (headline_id)
