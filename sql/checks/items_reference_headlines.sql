-- one row per ticker item whose headline row is missing
select i.snapshot_id, i.position, i.headline_id
from ticker_items as i
anti join headlines as h using (headline_id)
