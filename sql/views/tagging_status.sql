-- one row per grain (day | week | month) per period (Africa/Casablanca): how much of the ticker the model has tagged
create or replace view tagging_status as
select
    p.grain,
    p.period_start,
    count(distinct p.headline_id) as headlines,
    count(distinct p.headline_id) filter (where e.headline_id is not null) as headlines_embedded,
    -- the share of the period's ticker slots whose headline has its model tags (1 = fully tagged)
    sum(p.slots) filter (where e.headline_id is not null) / sum(p.slots) as tagged_share
from headline_periods as p
left join (select distinct headline_id from headline_embeddings) as e using (headline_id)
group by all
