-- adds the vectors of the registered table `staged_vectors` (id, vector); a vector already stored stays
insert or ignore into headline_embeddings
select id as headline_id, $model as model, vector::float[384] as vector, $at as embedded_at
from staged_vectors
