-- one row per topic slug the warehouse's headline tags name (a retag with another taxonomy may add some)
select distinct topic
from headline_topics
order by topic
