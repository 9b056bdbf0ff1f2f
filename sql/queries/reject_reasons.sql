-- one row per reject reason: how many files it stopped
select reason, count(*) as files
from rejects
group by reason
order by files desc, reason
