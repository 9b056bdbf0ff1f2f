-- one row: the ticker snapshots captured on Africa/Casablanca days $day_from to $day_to (null: unbounded): how many, first and last capture (local time), editions
with captures as (
    select timezone('Africa/Casablanca', captured_at) as local_at, edition
    from ticker_snapshots
)

select
    count(*) as snapshots,
    min(local_at) as first_capture,
    max(local_at) as last_capture,
    coalesce(list(distinct edition order by edition) filter (where edition is not null), []) as editions
from captures
where ($day_from is null or local_at::date >= cast($day_from as date))
  and ($day_to is null or local_at::date <= cast($day_to as date))
