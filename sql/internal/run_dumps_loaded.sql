-- one row: how many dumps run $run_id stored as loaded
select count(*) as dumps_loaded
from raw_dumps
where run_id = $run_id and status = 'loaded'
