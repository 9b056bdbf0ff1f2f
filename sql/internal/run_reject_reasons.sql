-- one row per reject reason of run $run_id: how many contents or files it stopped, most first
select reason, count(*) as rejected
from rejects
where run_id = $run_id
group by reason
order by rejected desc, reason
