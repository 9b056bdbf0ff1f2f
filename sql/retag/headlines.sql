-- one row per distinct headline: the text and language retag tags
select headline_id, headline, language
from headlines
order by headline_id
