-- adds rejects not yet recorded: one row per reject_key
insert or ignore into rejects by name
select *
from read_parquet($files)
order by path
