-- schema 3 -> 4: a local file is known by its resolved absolute path (tickerhouse/io/discovery.py), so
-- every stored path takes that form once, in dump_files, rejects and raw_dumps.first_path alike (rebuild
-- joins the last two). known_path() is KnownPaths.of, registered by warehouse.py for this migration:
-- relative paths were stored relative to the directory each old ingest ran in, which no warehouse
-- recorded, and are read against TICKERHOUSE_HOME (the current directory by default); absolute ones get
-- their folder's symlinks resolved; URLs stay as they are. Re-runnable: a known path maps to itself.
-- rejects.reject_key of an unreadable file stays the hash of the path it had: a key only, and that file
-- version is skipped as seen from now on.
create or replace temp table path_map as
with stored as (
    select path from dump_files
    union
    select path from rejects
    union
    select first_path from raw_dumps
),

known as (
    select path as old_path, known_path(path) as new_path from stored
)

select old_path, new_path from known where new_path <> old_path;

-- a file version stored under two spellings (ingested by a relative and an absolute name) keeps the row
-- first seen
delete from dump_files as f
using (
    select
        f.path,
        f.size_bytes,
        f.mtime_ns,
        row_number() over (
            partition by coalesce(m.new_path, f.path), f.size_bytes, f.mtime_ns
            order by f.seen_at, f.path
        ) as spelling
    from dump_files as f
    left join path_map as m on m.old_path = f.path
) as later
where
    later.spelling > 1
    and f.path = later.path
    and f.size_bytes = later.size_bytes
    and f.mtime_ns = later.mtime_ns;

update dump_files as f set path = m.new_path from path_map as m where f.path = m.old_path;
update rejects as r set path = m.new_path from path_map as m where r.path = m.old_path;
update raw_dumps as d set first_path = m.new_path from path_map as m where d.first_path = m.old_path;
drop table path_map;
