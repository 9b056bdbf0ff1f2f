-- adds staged dumps not yet in the warehouse: one row per dump_id, the first path (by name) wins
-- (insert or ignore skips keys already stored and later duplicates within the batch, without holding
-- every blob in a window the way a row_number() dedupe would)
insert or ignore into raw_dumps by name
select *
from read_parquet($files)
order by first_path
