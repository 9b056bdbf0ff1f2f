-- stores the staged versions (temp table staged_versions) and decides, for every capture they touch,
-- which version is its snapshot: temp tables snapshot_resolved (the winner of each touched capture),
-- snapshot_retracted (stored snapshots that are no longer so) and snapshot_added (winners not stored).
-- The winner, whatever the order the versions came in: the earliest time (the same for a stated
-- instant), then the most headlines, then the most bytes, then the smallest dump_id. A dump with a
-- stated instant somewhere is not also a capture of its own at an unstated time (a copy, not a capture).

-- an unstated capture seen again earlier (a copy with an older mtime) moves to that time
insert into snapshot_versions by name
select * from staged_versions
on conflict (snapshot_id, dump_id) do update set
    captured_at = excluded.captured_at,
    capture_method = excluded.capture_method
where excluded.captured_at < snapshot_versions.captured_at;

create or replace temp table snapshot_touched as
select snapshot_id from staged_versions
union
-- a dump now stated at an instant: its capture of its own, if stored, is one no longer
select dump_id as snapshot_id from staged_versions where trusted_capture(capture_method);

create or replace temp table snapshot_resolved as
with candidates as (
    select v.*
    from snapshot_versions as v
    semi join snapshot_touched as t on t.snapshot_id = v.snapshot_id
),

stated_dumps as (
    select distinct v.dump_id
    from snapshot_versions as v
    semi join candidates as c on c.dump_id = v.dump_id
    where trusted_capture(v.capture_method)
)

select c.*
from candidates as c
where trusted_capture(c.capture_method)
   or not exists (select 1 from stated_dumps as d where d.dump_id = c.dump_id)
qualify row_number() over (
    partition by c.snapshot_id order by c.captured_at, c.n_items desc, c.size_bytes desc, c.dump_id
) = 1;

create or replace temp table snapshot_retracted as
select s.snapshot_id, s.dump_id, s.captured_at
from ticker_snapshots as s
semi join snapshot_touched as t on t.snapshot_id = s.snapshot_id
anti join snapshot_resolved as r
    on r.snapshot_id = s.snapshot_id
    and r.dump_id = s.dump_id
    and r.captured_at = s.captured_at
    and r.capture_method = s.capture_method;

create or replace temp table snapshot_added as
select r.*
from snapshot_resolved as r
anti join ticker_snapshots as s
    on s.snapshot_id = r.snapshot_id
    and s.dump_id = r.dump_id
    and s.captured_at = r.captured_at
    and s.capture_method = r.capture_method;
