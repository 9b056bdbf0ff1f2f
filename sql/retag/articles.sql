-- one row per distinct article: the title, body, language and stored vector of $model (null: not embedded)
select a.article_id, a.title, a.body, a.language, e.vector
from articles as a
left join article_embeddings as e on e.article_id = a.article_id and e.model = $model
order by a.article_id
