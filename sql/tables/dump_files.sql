-- one row per file version seen (path, size, mtime); several files may hold the same dump
create table if not exists dump_files (
    path varchar not null,
    size_bytes bigint not null,
    mtime_ns bigint not null,
    dump_id varchar,                      -- null when the file could not be read
    seen_at timestamptz not null,
    run_id varchar not null,
    manifest_captured_at timestamptz,     -- the capture time a manifest gave the file when it was seen
    primary key (path, size_bytes, mtime_ns)
);
