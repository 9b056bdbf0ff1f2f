-- one row per ticker snapshot (a dump that carried a ticker) (partition: captured_date)
select
    -- partition: the capture day in Morocco
    cast(timezone('Africa/Casablanca', captured_at) as date) as captured_date,
    -- key
    cast(snapshot_id as varchar) as snapshot_id,
    -- capture
    cast(captured_at as timestamptz) as captured_at,
    cast(capture_method as varchar) as capture_method,
    cast(stated_date as date) as stated_date,
    -- content
    cast(edition as varchar) as edition,
    cast(n_items as integer) as n_items
from ticker_snapshots
