-- adds rejects not yet recorded: one row per reject_key
insert into rejects by name
select distinct on (reject_key) *
from read_parquet($files) as staged
where not exists (select 1 from rejects r where r.reject_key = staged.reject_key)
