-- adds the tags of stored headlines not yet tagged: one row per (headline_id, topic); retag replaces them
-- all. A headline only a superseded version showed is not stored, nor tagged (as retag derives them).
insert into headline_topics by name
select distinct on (headline_id, topic) *
from read_parquet($files) as staged
semi join headlines as h on h.headline_id = staged.headline_id
where not exists (select 1 from headline_topics t where t.headline_id = staged.headline_id)
