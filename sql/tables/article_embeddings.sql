-- one row per distinct article per embedding model: the vector of its title and lead, computed once
create table if not exists article_embeddings (
    article_id varchar not null,          -- articles.article_id
    model varchar not null,               -- the embedding model (tickerhouse.embeddings.MODEL_ID)
    vector float[384] not null,           -- L2-normalized embedding of the title and first paragraph
    embedded_at timestamptz not null,
    primary key (article_id, model)
);
