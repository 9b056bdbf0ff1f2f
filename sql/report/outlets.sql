-- one row per outlet (the normalized name), most articles first: distinct articles, whether the reference table knows it, first and last trusted published date
select
    source as outlet,
    bool_and(source_known) as known,
    count(*) as articles,
    min(published_date) filter (where not date_suspect) as first_published,
    max(published_date) filter (where not date_suspect) as last_published,
    count(*) filter (where published_date is null or date_suspect) as untrusted_dates
from articles
group by source
order by articles desc, outlet
limit cast($limit as integer)
