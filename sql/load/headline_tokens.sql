-- adds the story tokens of stored headlines not yet tokenized: one row per headline_id (a headline only
-- a superseded version showed is not stored, nor tokenized)
insert into headline_tokens by name
select distinct on (headline_id) *
from read_parquet($files) as staged
semi join headlines as h on h.headline_id = staged.headline_id
where not exists (select 1 from headline_tokens t where t.headline_id = staged.headline_id)
