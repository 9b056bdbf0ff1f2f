-- one row per distinct article without a vector of $model yet, newest capture first
select a.article_id, a.title, a.paragraphs, a.body, a.language
from articles as a
where not exists (
    select 1 from article_embeddings as e where e.article_id = a.article_id and e.model = $model
)
order by a.article_id
limit $limit
