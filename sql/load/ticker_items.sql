-- adds items of snapshots not yet loaded: one row per (snapshot_id, position)
insert into ticker_items by name
select distinct on (snapshot_id, position)
    snapshot_id, position, headline_id, headline, language
from read_parquet($files) as staged
where not exists (
    select 1 from ticker_items t
    where t.snapshot_id = staged.snapshot_id and t.position = staged.position
)
