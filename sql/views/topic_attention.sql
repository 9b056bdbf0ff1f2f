-- one row per grain (day | week | month) per period (Africa/Casablanca, weeks start Monday) per topic seen in any tag
create or replace view topic_attention as
with grains as (
    select unnest(['day', 'week', 'month']) as grain
),

periods as (
    select * from headline_periods
),

snapshot_periods as (
    select
        g.grain,
        date_trunc(g.grain, timezone('Africa/Casablanca', s.captured_at)::date)::date as period_start,
        count(*) as snapshots
    from ticker_snapshots as s
    cross join grains as g
    group by all
),

totals as (
    select
        p.grain,
        p.period_start,
        sum(p.slots) as all_slots,
        count(distinct p.headline_id) as all_headlines
    from periods as p
    group by all
),

topics as (
    select distinct topic from headline_topics
),

tagged as (
    select
        p.grain,
        p.period_start,
        t.topic,
        count(distinct p.headline_id) as headlines,
        sum(p.slots) as slots
    from periods as p
    join headline_topics as t using (headline_id)
    group by all
)

select
    tot.grain,
    tot.period_start,
    tp.topic,
    -- attention
    coalesce(tg.headlines, 0) as headlines,
    coalesce(tg.slots, 0)::bigint as slots,
    -- the share of all slots, so that more snapshots in a period do not read as more attention
    coalesce(tg.slots, 0) / tot.all_slots as share,
    -- the period's denominators
    tot.all_slots::bigint as all_slots,
    tot.all_headlines,
    sp.snapshots
from totals as tot
join snapshot_periods as sp using (grain, period_start)
cross join topics as tp
left join tagged as tg
    on tg.grain = tot.grain and tg.period_start = tot.period_start and tg.topic = tp.topic
