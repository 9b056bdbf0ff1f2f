-- one row per outlet of the reference table data/outlets.csv (not partitioned)
select
    cast(outlet_id as varchar) as outlet_id,
    cast(name as varchar) as name,
    cast(language as varchar) as language,
    cast(homepage as varchar) as homepage,
    cast(maghress_slug as varchar) as maghress_slug,
    cast(aliases as varchar[]) as aliases
from outlets
