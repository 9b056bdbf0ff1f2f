-- one row per grain (day | week | month) per period per topic: ticker attention (partition: period_start)
select
    -- partition: first day of the period, in Africa/Casablanca
    cast(period_start as date) as period_start,
    -- key
    cast(grain as varchar) as grain,
    cast(topic as varchar) as topic,
    -- attention
    cast(headlines as bigint) as headlines,
    cast(slots as bigint) as slots,
    cast(share as double) as share,
    -- the period's denominators
    cast(all_slots as bigint) as all_slots,
    cast(all_headlines as bigint) as all_headlines,
    cast(snapshots as bigint) as snapshots
from topic_attention
