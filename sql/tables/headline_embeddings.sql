-- one row per distinct headline per embedding model: its sentence vector, computed once (retag reuses it)
create table if not exists headline_embeddings (
    headline_id varchar not null,         -- headlines.headline_id
    model varchar not null,               -- the embedding model (tickerhouse.embeddings.MODEL_ID)
    vector float[384] not null,           -- L2-normalized multilingual-e5-small embedding of the headline
    embedded_at timestamptz not null,
    primary key (headline_id, model)
);
