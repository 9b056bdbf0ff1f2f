-- one row per headline per ticker snapshot (duplicates within a ticker kept at their positions)
-- (snapshot_id, position) is unique, but not declared: a key index over every item of a long history
-- would have to fit in memory. The load adds a snapshot's items only with the snapshot itself, and the
-- check items_match_snapshots compares the totals after every run.
create table if not exists ticker_items (
    snapshot_id varchar not null,
    position integer not null,            -- 1 = first headline of the ticker line
    headline_id varchar not null,         -- headlines.headline_id
    headline varchar not null,            -- the text exactly as shown (trimmed)
    language varchar
);
