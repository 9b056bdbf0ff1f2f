-- one row per raw archive file a stored dump points at
select distinct raw_file
from raw_dumps
where raw_file is not null
