-- one row per file version run $run_id read whose bytes a stored dump holds (stored by an earlier run, or
-- by another file of this run): neither loaded again nor rejected; stored_as is the dump's first path
select f.path, d.first_path as stored_as, d.status
from dump_files as f
inner join raw_dumps as d using (dump_id)
where f.run_id = $run_id and (d.run_id <> $run_id or f.path <> d.first_path)
order by f.path
