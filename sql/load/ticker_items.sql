-- adds the items of the snapshots this load adds (before ticker_snapshots; sql/macros/new_items.sql)
insert into ticker_items by name
select snapshot_id, position, headline_id, headline, language
from new_items($files)
