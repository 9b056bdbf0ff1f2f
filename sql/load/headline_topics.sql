-- adds the tags of headlines not yet tagged: one row per (headline_id, topic); retag replaces them all
insert into headline_topics by name
select distinct on (headline_id, topic) *
from read_parquet($files) as staged
where not exists (select 1 from headline_topics t where t.headline_id = staged.headline_id)
