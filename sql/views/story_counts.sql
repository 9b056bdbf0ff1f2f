-- one row per Africa/Casablanca day per topic ('all' for every headline): distinct headlines and distinct stories
create or replace view story_counts as
with tagged as (
    select s.day, t.topic, s.headline_id, s.story_id
    from headline_stories as s
    join headline_topics as t using (headline_id)
    union all
    select day, 'all' as topic, headline_id, story_id
    from headline_stories
)

select
    day,
    topic,
    count(distinct headline_id) as headlines,
    count(distinct story_id) as stories
from tagged
group by all
