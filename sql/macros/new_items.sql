-- the staged items (files = the batches' items.parquet) of the snapshots this load adds
-- (snapshot_added, from load/snapshot_changes.sql): what ticker_items, headline_days and headlines add,
-- under each snapshot's id and capture time. A dump staged by two batches (two files with the same
-- bytes) counts once: from the first file, by name, holding its first item; a dump that is the snapshot
-- of two captures (one content stated at two instants) gives its items to each.
create or replace temp macro new_items(files) as table
select
    a.snapshot_id,
    a.captured_at,
    i.position,
    i.headline,
    i.headline_id,
    i.language
from read_parquet(files, filename = true) as i
semi join (
    select dump_id, min(filename) as filename
    from read_parquet(files, filename = true)
    where position = 1
    group by dump_id
) as first_copy on first_copy.dump_id = i.dump_id and first_copy.filename = i.filename
inner join snapshot_added as a on a.dump_id = i.dump_id
