-- one row per distinct headline without a vector of $model yet, newest first (the present is tagged first)
select h.headline_id, h.headline, h.language
from headlines as h
where not exists (
    select 1 from headline_embeddings as e where e.headline_id = h.headline_id and e.model = $model
)
order by h.last_seen desc, h.headline_id
limit $limit
