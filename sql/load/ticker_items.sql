-- adds the items of snapshots not yet stored (before ticker_snapshots, which decides what is new)
insert into ticker_items by name
select snapshot_id, position, headline_id, headline, language
from new_items($files)
