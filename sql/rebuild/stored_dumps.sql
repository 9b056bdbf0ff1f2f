-- one row per stored dump with its bytes (content, or the raw archive file holding them): what a rebuild
-- parses again, grouped by archive file so each is read once
with first_file as (
    -- the file version the dump was first read from, for its mtime (capture-time fallback)
    select f.dump_id, f.path, min(f.mtime_ns) as mtime_ns
    from dump_files as f
    group by f.dump_id, f.path
)

select
    d.dump_id,
    d.first_path,
    d.size_bytes,
    coalesce(f.mtime_ns, epoch_ns(d.captured_at)) as mtime_ns,
    d.captured_at,
    d.capture_method,
    d.content,
    d.raw_file
from raw_dumps as d
left join first_file as f on f.dump_id = d.dump_id and f.path = d.first_path
where d.content is not null or d.raw_file is not null
order by d.raw_file, d.first_path, d.dump_id
