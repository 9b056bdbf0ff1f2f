-- adds staged dumps not yet in the warehouse: one row per dump_id, the first path (by name) wins
insert into raw_dumps by name
with staged as (
    select *, row_number() over (partition by dump_id order by first_path) as rn
    from read_parquet($files)
)
select * exclude (rn)
from staged
where rn = 1
  and not exists (select 1 from raw_dumps r where r.dump_id = staged.dump_id)
