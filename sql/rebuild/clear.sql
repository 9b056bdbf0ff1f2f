-- clears every derived row a rebuild re-derives from the stored dump bytes (inside the rebuild's
-- transaction, which re-stages and reloads them); dump_files, an observation, is kept

-- the dumps whose bytes are kept: the rebuild re-stages them
delete from raw_dumps
where content is not null or raw_file is not null;

-- the rejects of stored dumps; unreadable files (no dump_id, no bytes) cannot be re-derived
delete from rejects
where dump_id is not null;

delete from headline_days;
delete from headlines;
delete from ticker_items;
delete from ticker_snapshots;
delete from snapshot_versions;
delete from headline_topics;
delete from headline_tokens;
delete from articles;
delete from article_topics;
delete from outlets;
