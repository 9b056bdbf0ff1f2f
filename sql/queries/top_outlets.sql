-- one row per outlet: articles published in the last $days days before the newest article, most first
-- param days = 30: days back from the newest (non-suspect) publication date
with newest as (
    select max(published_date) as d from articles where not date_suspect
)

select
    a.source as outlet,
    a.source_known as known,
    count(*) as articles
from articles as a, newest
where a.published_date > newest.d - cast($days as integer)
group by all
order by articles desc, outlet
limit 10
