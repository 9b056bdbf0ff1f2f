-- one row per snapshot captured after now (clock or manifest error)
select snapshot_id, captured_at
from ticker_snapshots
where captured_at > now() + interval 10 minutes
