-- adds articles not yet loaded: one row per article_id, the earliest capture wins
insert or ignore into articles by name
select *
from read_parquet($files)
order by first_captured_at, first_dump_id
