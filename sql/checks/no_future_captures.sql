-- one row per snapshot captured later than now + TICKERHOUSE_FUTURE_TOLERANCE_S (a clock or manifest
-- error; the load stores no such time, so a row here is one an older tickerhouse kept: `rebuild` redates it)
select snapshot_id, captured_at
from ticker_snapshots
where captured_at > now() + to_seconds(
    coalesce(getvariable('future_tolerance_s'), error('future_tolerance_s unset: run checks through check_rows')::double)
)
