-- adds the tags of articles not yet tagged: one row per (article_id, topic); retag replaces them all
insert into article_topics by name
select distinct on (article_id, topic) *
from read_parquet($files) as staged
where not exists (select 1 from article_topics t where t.article_id = staged.article_id)
