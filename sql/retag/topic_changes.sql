-- one row per topic: tags the retag adds and removes, staged ($headlines, $articles Parquet) against stored
with old as (
    select 'headline' as kind, headline_id as id, topic from headline_topics
    union all
    select 'article', article_id, topic from article_topics
),

new as (
    select 'headline' as kind, headline_id as id, topic from read_parquet($headlines)
    union all
    select 'article', article_id, topic from read_parquet($articles)
)

select
    coalesce(n.topic, o.topic) as topic,
    count(*) filter (where o.id is null) as added,
    count(*) filter (where n.id is null) as removed
from new as n
full outer join old as o using (kind, id, topic)
group by all
having count(*) filter (where o.id is null or n.id is null) > 0
order by topic
