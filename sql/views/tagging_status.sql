-- one row per grain (day | week | month) per period (Africa/Casablanca): how much of the ticker the model has tagged
create or replace view tagging_status as
with grains as (
    select unnest(['day', 'week', 'month']) as grain
),

slots as (
    select
        g.grain,
        date_trunc(g.grain, d.day)::date as period_start,
        d.headline_id,
        d.slots,
        exists (select 1 from headline_embeddings as e where e.headline_id = d.headline_id) as embedded
    from headline_days as d
    cross join grains as g
)

select
    grain,
    period_start,
    count(distinct headline_id) as headlines,
    count(distinct headline_id) filter (where embedded) as headlines_embedded,
    -- the share of the period's ticker slots whose headline has its model tags (1 = fully tagged)
    sum(slots) filter (where embedded) / sum(slots) as tagged_share
from slots
group by all
