-- adds file versions not yet seen: one row per (path, size, mtime)
insert into dump_files by name
select distinct on (path, size_bytes, mtime_ns) *
from read_parquet($files) as staged
where not exists (
    select 1 from dump_files f
    where f.path = staged.path and f.size_bytes = staged.size_bytes and f.mtime_ns = staged.mtime_ns
)
