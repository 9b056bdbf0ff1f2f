-- merges the staged dumps: one row per dump_id, its earliest capture wins (then the smallest path),
-- whatever the batch or run that brings it: the time, method, path and capture flags are replaced by an
-- earlier sighting's (the status is settled by load/dump_statuses.sql)
insert into raw_dumps by name
select *
from read_parquet($files)
qualify row_number() over (partition by dump_id order by captured_at, first_path) = 1
on conflict (dump_id) do update set
    first_path = excluded.first_path,
    captured_at = excluded.captured_at,
    capture_method = excluded.capture_method,
    repairs = excluded.repairs
where (excluded.captured_at, excluded.first_path) < (raw_dumps.captured_at, raw_dumps.first_path)
