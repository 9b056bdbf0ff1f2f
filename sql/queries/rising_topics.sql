-- one row per topic: share of ticker slots in the $days days ending $as_of against the $baseline_days days before, rising first
-- param as_of = null: the last day of the period (YYYY-MM-DD; null: the newest day)
-- param days = 1: length of the period, in days
-- param baseline_days = 28: length of the trailing baseline before it, in days
--
-- score = log2((share_now + 0.01) / (share_base + 0.01)): one point is a doubling of share. The
-- 0.01 floor (one percent of the ticker) keeps a topic going from 0 to a single slot from
-- outranking a real rise: changes well under a point of share are noise at this volume.
with daily as (
    select period_start as day, topic, slots, headlines, all_slots
    from topic_attention
    where grain = 'day'
),

bounds as (
    select coalesce(cast($as_of as date), (select max(day) from daily)) as last_day
),

windowed as (
    select
        d.topic,
        d.slots,
        d.all_slots,
        d.headlines,
        d.day > b.last_day - cast($days as integer) as is_now
    from daily as d, bounds as b
    where d.day <= b.last_day
      and d.day > b.last_day - cast($days as integer) - cast($baseline_days as integer)
),

shares as (
    select
        topic,
        sum(slots) filter (where is_now)::bigint as slots_now,
        sum(all_slots) filter (where is_now)::bigint as all_slots_now,
        sum(headlines) filter (where is_now)::bigint as headline_days_now,
        sum(slots) filter (where not is_now)::bigint as slots_base,
        sum(all_slots) filter (where not is_now)::bigint as all_slots_base
    from windowed
    group by topic
)

select
    topic,
    round(log2((coalesce(slots_now / all_slots_now, 0) + 0.01)
        / (coalesce(slots_base / all_slots_base, 0) + 0.01)), 3) as score,
    -- this period
    round(slots_now / all_slots_now, 4) as share_now,
    slots_now,
    headline_days_now,
    -- the trailing baseline (null share when the warehouse holds no earlier day)
    round(slots_base / all_slots_base, 4) as share_base,
    coalesce(slots_base, 0) as slots_base
from shares
where all_slots_now > 0
order by score desc, topic
