-- one row per grain (week | month) per period of published date per topic ('none' when untagged) per outlet
create or replace view article_volume as
with dated as (
    -- a suspect date (impossible, before 1995, after capture) would open a period of its own
    select article_id, source as outlet, published_date
    from articles
    where published_date is not null and not date_suspect
),

tagged as (
    select d.article_id, d.outlet, d.published_date, coalesce(t.topic, 'none') as topic
    from dated as d
    left join article_topics as t using (article_id)
),

grains as (
    select unnest(['week', 'month']) as grain
)

select
    g.grain,
    date_trunc(g.grain, tg.published_date)::date as period_start,
    tg.topic,
    tg.outlet,
    count(distinct tg.article_id) as articles
from tagged as tg
cross join grains as g
group by all
