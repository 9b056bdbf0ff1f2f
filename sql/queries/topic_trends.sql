-- one row per period per topic: ticker attention at grain $by (day | week | month), optional topics and date range
-- param by = day: day | week | month
-- param topics = null: a list of topic slugs, `[defense, football]` (null: every topic)
-- param date_from = null: first period start (YYYY-MM-DD)
-- param date_to = null: last period start (YYYY-MM-DD)
select
    a.period_start,
    a.topic,
    a.share,
    a.slots,
    a.headlines,
    a.all_slots,
    a.snapshots,
    -- 1.0 once every headline of the period has the model's tags; below, shares rest partly on the lexicon
    coalesce(s.tagged_share, 0) as tagged_share
from topic_attention as a
left join tagging_status as s using (grain, period_start)
where grain = $by
  and ($topics is null or list_contains($topics, a.topic))
  and ($date_from is null or a.period_start >= cast($date_from as date))
  and ($date_to is null or a.period_start <= cast($date_to as date))
order by a.period_start, a.topic
