-- adds articles not yet loaded: one row per article_id, the earliest capture wins
insert into articles by name
with staged as (
    select *, row_number() over (partition by article_id order by first_captured_at) as rn
    from read_parquet($files)
)
select * exclude (rn)
from staged
where rn = 1
  and not exists (select 1 from articles a where a.article_id = staged.article_id)
