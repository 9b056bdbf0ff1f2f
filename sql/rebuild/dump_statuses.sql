-- one row per dump status (loaded | rejected): how many stored dumps have it
select status, count(*) as n
from raw_dumps
group by status
