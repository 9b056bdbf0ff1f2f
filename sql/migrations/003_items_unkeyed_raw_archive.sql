-- schema 2 -> 3: ticker_items loses its primary-key index (kept unique by the load, checked by
-- items_match_snapshots); raw_dumps says which raw archive file holds a dump's bytes (older rows keep
-- them in content)
create or replace table ticker_items_v3 (
    snapshot_id varchar not null,
    position integer not null,
    headline_id varchar not null,
    headline varchar not null,
    language varchar
);
insert into ticker_items_v3 select snapshot_id, position, headline_id, headline, language from ticker_items;
drop table ticker_items;
alter table ticker_items_v3 rename to ticker_items;
alter table raw_dumps add column if not exists raw_file varchar;
