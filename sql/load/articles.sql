-- merges the staged articles: one row per article_id, the earliest capture wins (then the smallest
-- dump_id), whatever the batch or run that brings it: what depends on the capture (the first dump, its
-- time, the byline date read against it) is replaced by an earlier sighting's
insert into articles by name
select *
from read_parquet($files)
qualify row_number() over (partition by article_id order by first_captured_at, first_dump_id) = 1
on conflict (article_id) do update set
    first_dump_id = excluded.first_dump_id,
    first_captured_at = excluded.first_captured_at,
    published_date = excluded.published_date,
    date_suspect = excluded.date_suspect,
    date_method = excluded.date_method
where (excluded.first_captured_at, excluded.first_dump_id) < (articles.first_captured_at, articles.first_dump_id)
