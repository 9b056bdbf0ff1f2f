-- one row per distinct normalized headline, with its dwell on the ticker and its topics (not partitioned)
select
    -- key
    cast(headline_id as varchar) as headline_id,
    -- the headline
    cast(headline as varchar) as headline,
    cast(language as varchar) as language,
    -- dwell (headline_dwell view)
    cast(first_seen as timestamptz) as first_seen,
    cast(last_seen as timestamptz) as last_seen,
    cast(n_snapshots as integer) as n_snapshots,
    cast(dwell_hours as double) as dwell_hours,
    cast(best_position as integer) as best_position,
    -- topics
    cast(topics as varchar[]) as topics
from headline_dwell
