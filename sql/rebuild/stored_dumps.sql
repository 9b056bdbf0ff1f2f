-- one row per file version of every stored dump, with the dump's bytes (content, or the raw archive file
-- holding them): what a rebuild parses again, each file dated as when it was read (its mtime, the time
-- its manifest gave it), grouped by archive file so each is read once. A dump with no file version
-- recorded is staged once under its first path, dated as stored.
select
    d.dump_id,
    coalesce(f.path, d.first_path) as path,
    d.size_bytes,
    coalesce(f.mtime_ns, epoch_ns(d.captured_at)) as mtime_ns,
    if(f.dump_id is null and d.capture_method = 'manifest', d.captured_at, f.manifest_captured_at)
        as manifest_captured_at,
    d.content,
    d.raw_file
from raw_dumps as d
left join dump_files as f on f.dump_id = d.dump_id
where d.content is not null or d.raw_file is not null
order by d.raw_file, d.dump_id, path, mtime_ns
