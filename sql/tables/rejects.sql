-- one row per rejected file content (or per unreadable file version), with the specific reason
create table if not exists rejects (
    reject_key varchar primary key,       -- dump_id, or a hash of path+size+mtime when unreadable
    dump_id varchar,                      -- raw_dumps.dump_id (bytes kept there); null when unreadable
    path varchar not null,
    reason varchar not null,              -- the category: empty file, binary content, too large ...
    detail varchar,                       -- the specifics: sizes, counts, the OS error
    rejected_at timestamptz not null,
    run_id varchar not null
);
