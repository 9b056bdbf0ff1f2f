-- one row per distinct headline: the text, language and stored vector of $model (null: not embedded) retag tags
select h.headline_id, h.headline, h.language, e.vector
from headlines as h
left join headline_embeddings as e on e.headline_id = h.headline_id and e.model = $model
order by h.headline_id
