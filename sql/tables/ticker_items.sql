-- one row per headline per ticker snapshot (duplicates within a ticker kept at their positions)
create table if not exists ticker_items (
    snapshot_id varchar not null,
    position integer not null,            -- 1 = first headline of the ticker line
    headline_id varchar not null,         -- headlines.headline_id
    headline varchar not null,            -- the text exactly as shown (trimmed)
    language varchar,
    primary key (snapshot_id, position)
);
