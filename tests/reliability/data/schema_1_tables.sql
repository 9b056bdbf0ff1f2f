-- The DDL of schema 1, as the first ingesting commit (f784719) wrote it: `git show f784719:sql/tables/<name>.sql`
-- for each of its tables, unchanged. tests/reliability/test_schema_migrations.py builds a schema-1 warehouse from it.
-- sql/tables/articles.sql
-- one row per distinct article (title, outlet, date text and paragraphs hashed)
create table if not exists articles (
    article_id varchar primary key,
    -- as written
    title varchar,
    source_raw varchar not null,          -- outlet name as the byline wrote it
    date_raw varchar,                     -- date text as the byline wrote it
    edition varchar not null,             -- fr | ar: which byline grammar matched
    paragraphs varchar[] not null,
    captions varchar[] not null,
    body varchar not null,                -- paragraphs joined by newlines
    -- normalized
    outlet_id varchar,                    -- outlets.outlet_id; null for an unknown outlet
    source varchar not null,              -- canonical outlet name, or the raw name when unknown
    source_known boolean not null,
    published_date date,                  -- null when the byline date is impossible or missing
    date_suspect boolean not null,        -- impossible, before 1995, or after the capture
    date_method varchar not null,         -- how published_date was obtained
    language varchar,
    -- lineage
    first_dump_id varchar not null,
    first_captured_at timestamptz not null
);
-- sql/tables/dump_files.sql
-- one row per file version seen (path, size, mtime); several files may hold the same dump
create table if not exists dump_files (
    path varchar not null,
    size_bytes bigint not null,
    mtime_ns bigint not null,
    dump_id varchar,                      -- null when the file could not be read
    seen_at timestamptz not null,
    run_id varchar not null,
    primary key (path, size_bytes, mtime_ns)
);
-- sql/tables/headlines.sql
-- one row per distinct normalized headline (case, spaces and apostrophes folded)
create table if not exists headlines (
    headline_id varchar primary key,
    headline varchar not null,            -- the first spelling seen
    language varchar,
    first_seen timestamptz not null,
    last_seen timestamptz not null,
    n_snapshots integer not null
);
-- sql/tables/ingest_runs.sql
-- one row per ingest run: what it saw, loaded and rejected
create table if not exists ingest_runs (
    run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    files_seen bigint not null,
    files_new bigint not null,
    dumps_loaded bigint not null,
    dumps_rejected bigint not null,
    rows_added json not null,             -- table -> rows added
    checks json not null                  -- check -> failing rows
);
-- sql/tables/outlets.sql
-- one row per outlet known to the reference table data/outlets.csv
create table if not exists outlets (
    outlet_id varchar primary key,
    name varchar not null,                -- the brand's own spelling
    language varchar,
    homepage varchar,
    maghress_slug varchar,
    aliases varchar[]
);
-- sql/tables/raw_dumps.sql
-- one row per distinct dump content (sha256 of its bytes); the bytes are kept so nothing is ever lost
create table if not exists raw_dumps (
    -- identity
    dump_id varchar primary key,          -- sha256 hex of the file's bytes
    first_path varchar not null,          -- the first path it was seen under (dump_files has all)
    size_bytes bigint not null,
    content blob,                         -- the exact bytes; null only when over the size limit
    -- how it was read
    encoding varchar,                     -- utf-8 | cp1252 | mixed | utf-16
    repairs varchar[],                    -- e.g. utf8_bom_stripped, mojibake_repaired
    line_labels varchar[],                -- one label per line of the decoded text
    -- capture
    captured_at timestamptz not null,     -- UTC
    capture_method varchar not null,      -- manifest | filename | ticker_date | mtime
    -- outcome
    status varchar not null,              -- loaded | rejected
    article_id varchar,                   -- the article the dump carries, if any
    ingested_at timestamptz not null,
    run_id varchar not null
);
-- sql/tables/rejects.sql
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
-- sql/tables/schema_meta.sql
-- one row per warehouse property (schema_version)
create table if not exists schema_meta (
    key varchar primary key,
    value varchar not null
);
-- sql/tables/ticker_items.sql
-- one row per headline per ticker snapshot (duplicates within a ticker kept at their positions)
create table if not exists ticker_items (
    snapshot_id varchar not null,
    position integer not null,            -- 1 = first headline of the ticker line
    headline_id varchar not null,         -- headlines.headline_id
    headline varchar not null,            -- the text exactly as shown (trimmed)
    language varchar,
    primary key (snapshot_id, position)
);
-- sql/tables/ticker_snapshots.sql
-- one row per dump that carries a headline ticker: the ticker as it stood at capture time
create table if not exists ticker_snapshots (
    snapshot_id varchar primary key,      -- the dump_id of the dump it was read from
    captured_at timestamptz not null,     -- UTC
    capture_method varchar not null,      -- manifest | filename | ticker_date | mtime
    edition varchar,                      -- fr | ar: the language most of its headlines are in
    n_items integer not null,
    stated_date date                      -- the date the ticker states about today, if any
);
