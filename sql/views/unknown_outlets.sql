-- one row per outlet name seen in bylines that the reference table does not know
create or replace view unknown_outlets as
select
    source_raw,
    count(*) as n_articles,
    min(first_captured_at) as first_seen,
    max(first_captured_at) as last_seen
from articles
where not source_known
group by source_raw
