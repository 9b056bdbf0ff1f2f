-- one row per topic per headline: the $per_topic headlines of each topic with the most ticker slots, with their dwell (times in Africa/Casablanca)
with slots as (
    select headline_id, sum(slots) as slots
    from headline_days
    group by headline_id
),

ranked as (
    select
        t.topic,
        d.headline,
        d.language,
        timezone('Africa/Casablanca', d.first_seen) as first_seen,
        timezone('Africa/Casablanca', d.last_seen) as last_seen,
        d.dwell_hours,
        d.best_position,
        d.n_snapshots,
        s.slots::bigint as slots,
        count(*) over (partition by t.topic) as topic_headlines,
        row_number() over (
            partition by t.topic order by s.slots desc, d.dwell_hours desc, d.headline
        ) as rank
    from headline_topics as t
    join headline_dwell as d using (headline_id)
    join slots as s using (headline_id)
)

select * exclude (rank)
from ranked
where rank <= cast($per_topic as integer)
order by topic, rank
