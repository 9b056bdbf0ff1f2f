-- one row per distinct set of versions the headline tags were derived with: the taxonomy's, and the topic model's where the warehouse has that column
select distinct columns('^(taxonomy|model)_version$')
from headline_topics
order by all
