-- one row per article whose outlet_id is not in the outlets reference table
select a.article_id, a.outlet_id, a.source_raw
from articles as a
where a.outlet_id is not null
  and not exists (select 1 from outlets as o where o.outlet_id = a.outlet_id)
