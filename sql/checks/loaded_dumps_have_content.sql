-- one row per dump marked loaded that yielded neither a snapshot nor an article
select d.dump_id, d.first_path
from raw_dumps as d
where d.status = 'loaded'
  and d.article_id is null
  and not exists (select 1 from ticker_snapshots s where s.dump_id = d.dump_id)
