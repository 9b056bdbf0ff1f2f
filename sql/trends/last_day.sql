-- one row: the newest Africa/Casablanca day on the ticker, the day rising topics are as of by default (null: no snapshot)
select max(period_start) as last_day
from topic_attention
where grain = 'day'
