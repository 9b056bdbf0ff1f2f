-- one row per dump marked rejected without a rejects row saying why
select d.dump_id, d.first_path
from raw_dumps as d
where d.status = 'rejected'
  and not exists (select 1 from rejects r where r.dump_id = d.dump_id)
