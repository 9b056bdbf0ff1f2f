-- adds the story tokens of headlines not yet tokenized: one row per headline_id
insert into headline_tokens by name
select distinct on (headline_id) *
from read_parquet($files) as staged
where not exists (select 1 from headline_tokens t where t.headline_id = staged.headline_id)
