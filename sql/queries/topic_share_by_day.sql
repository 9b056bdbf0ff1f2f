-- one row per Africa/Casablanca day per topic over the last $days days: share of ticker slots, highest first per day
-- param days = 14: days back from the newest day
with newest as (
    select max(period_start) as day from topic_attention where grain = 'day'
)

select
    a.period_start as day,
    a.topic,
    round(a.share, 4) as share,
    a.slots,
    a.all_slots,
    a.headlines
from topic_attention as a, newest
where a.grain = 'day'
  and a.period_start > newest.day - cast($days as integer)
  and a.slots > 0
order by day desc, share desc, topic
