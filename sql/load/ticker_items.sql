-- adds the items of snapshots not yet loaded (run before ticker_snapshots: a stored snapshot has its items).
-- A dump staged by two batches (two files with the same bytes) is taken from one batch: the first by file
-- name among those holding its first item.
insert into ticker_items by name
with chosen as (
    select snapshot_id, min(filename) as filename
    from read_parquet($files, filename = true)
    where position = 1
    group by snapshot_id
)

select i.snapshot_id, i.position, i.headline_id, i.headline, i.language
from read_parquet($files, filename = true) as i
semi join chosen as c on c.snapshot_id = i.snapshot_id and c.filename = i.filename
where not exists (select 1 from ticker_snapshots as s where s.snapshot_id = i.snapshot_id)
