-- one row per period per topic: ticker attention at grain $by (day | week | month), optional topics and date range
select
    period_start,
    topic,
    share,
    slots,
    headlines,
    all_slots,
    snapshots
from topic_attention
where grain = $by
  and ($topics is null or list_contains($topics, topic))
  and ($date_from is null or period_start >= cast($date_from as date))
  and ($date_to is null or period_start <= cast($date_to as date))
order by period_start, topic
