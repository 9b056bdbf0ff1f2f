-- adds file versions not yet seen: one row per (path, size, mtime)
insert or ignore into dump_files by name
select *
from read_parquet($files)
