-- one row per stored dump whose status a rebuild changed (loaded <-> rejected)
select
    l.dump_id,
    d.first_path,
    l.status as status_before,
    d.status as status_after
from rebuild_dump_lineage as l
join raw_dumps as d using (dump_id)
where l.status <> d.status
order by d.first_path
