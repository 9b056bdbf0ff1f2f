-- one row: headlines and articles without a vector of $model yet (what enrich_topics has left to do)
select
    (select count(*) from headlines as h where not exists (
        select 1 from headline_embeddings as e where e.headline_id = h.headline_id and e.model = $model
    )) as headlines,
    (select count(*) from articles as a where not exists (
        select 1 from article_embeddings as e where e.article_id = a.article_id and e.model = $model
    )) as articles
