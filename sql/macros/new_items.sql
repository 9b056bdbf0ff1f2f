-- the staged items (files = the batches' items.parquet) of snapshots not stored yet: what ticker_items,
-- headline_days and headlines add. A dump staged by two batches (two files with the same bytes) counts
-- once: from the first file, by name, holding its first item.
create or replace temp macro new_items(files) as table
select i.* exclude (filename)
from read_parquet(files, filename = true) as i
semi join (
    select snapshot_id, min(filename) as filename
    from read_parquet(files, filename = true)
    where position = 1
    group by snapshot_id
) as first_copy on first_copy.snapshot_id = i.snapshot_id and first_copy.filename = i.filename
where not exists (select 1 from ticker_snapshots as s where s.snapshot_id = i.snapshot_id)
