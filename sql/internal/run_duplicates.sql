-- one row per file version run $run_id read whose bytes a stored dump holds (stored by an earlier run, or
-- by another file of this run): neither loaded again nor rejected; stored_as is the dump's first path, or,
-- where this file has become that first path (an earlier capture), the dump's first other file
select
    f.path,
    coalesce(
        nullif(d.first_path, f.path),
        (select min(o.path) from dump_files as o where o.dump_id = f.dump_id and o.path <> f.path)
    ) as stored_as,
    d.status
from dump_files as f
inner join raw_dumps as d using (dump_id)
where f.run_id = $run_id and (d.run_id <> $run_id or f.path <> d.first_path)
order by f.path
