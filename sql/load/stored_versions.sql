-- the stored snapshots as versions of their capture (temp table staged_versions, as
-- load/snapshot_versions.sql stages them): run by the open of a warehouse made before snapshot_versions,
-- whose snapshots were one per dump, so load/snapshot_changes.sql re-keys them by capture
create or replace temp table staged_versions as
select
    snapshot_key(s.capture_method, s.edition, s.captured_at, s.dump_id) as snapshot_id,
    s.dump_id,
    s.captured_at,
    s.capture_method,
    s.edition,
    s.n_items,
    s.stated_date,
    d.size_bytes
from ticker_snapshots as s
inner join raw_dumps as d on d.dump_id = s.dump_id
