-- one row per headline first seen in the last $days days before the newest capture: the longest on the ticker first
-- param days = 7: days back from the newest capture
with newest as (
    select max(last_seen) as seen from headline_dwell
)

select
    d.headline,
    d.language,
    d.first_seen,
    d.n_snapshots,
    round(d.dwell_hours, 1) as dwell_hours,
    d.best_position,
    d.topics
from headline_dwell as d, newest
where d.first_seen > newest.seen - to_days(cast($days as integer))
order by d.dwell_hours desc, d.n_snapshots desc, d.headline
limit 20
