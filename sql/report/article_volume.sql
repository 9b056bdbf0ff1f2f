-- one row per period of published date at grain $grain (week | month) per topic ('none' = untagged) from $since on: distinct articles
select period_start, topic, sum(articles)::bigint as articles
from article_volume
where grain = $grain
  and period_start >= cast($since as date)
group by all
order by period_start, topic
