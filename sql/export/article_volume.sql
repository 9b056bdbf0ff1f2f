-- one row per grain (week | month) per period of published date per topic per outlet (not partitioned)
select
    cast(grain as varchar) as grain,
    cast(period_start as date) as period_start,
    cast(topic as varchar) as topic,
    cast(outlet as varchar) as outlet,
    cast(articles as bigint) as articles
from article_volume
