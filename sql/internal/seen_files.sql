-- one row per file version already ingested: the key discovery skips a file by, without reading it
select path, size_bytes, mtime_ns
from dump_files
