-- one row per grain (day | week | month) per period (Africa/Casablanca, weeks start Monday) per headline on the ticker
create or replace view headline_periods as
select
    g.grain,
    date_trunc(g.grain, d.day)::date as period_start,
    d.headline_id,
    d.slots                               -- ticker slots it held that day (headline_days, kept by every load)
from headline_days as d
cross join (select unnest(['day', 'week', 'month']) as grain) as g
