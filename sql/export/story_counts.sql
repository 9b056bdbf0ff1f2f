-- one row per Africa/Casablanca day per topic ('all' for every headline): headlines and stories (partition: day)
select
    cast(day as date) as day,
    cast(topic as varchar) as topic,
    cast(headlines as bigint) as headlines,
    cast(stories as bigint) as stories
from story_counts
