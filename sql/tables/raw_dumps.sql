-- one row per distinct dump content (sha256 of its bytes); the bytes are kept so nothing is ever lost:
-- in the raw archive beside the warehouse file (<warehouse>.raw/<raw_file>), or in content (schema < 3)
create table if not exists raw_dumps (
    -- identity
    dump_id varchar primary key,          -- sha256 hex of the file's bytes
    first_path varchar not null,          -- the path of its earliest capture (dump_files has all)
    size_bytes bigint not null,
    content blob,                         -- the exact bytes, for dumps stored before schema 3 (else null)
    raw_file varchar,                     -- <run>/<batch>.parquet in the raw archive: (dump_id, content)
    -- how it was read
    encoding varchar,                     -- utf-8 | cp1252 | mixed | utf-16
    repairs varchar[],                    -- e.g. utf8_bom_stripped, mojibake_repaired
    line_labels varchar[],                -- one label per line of the decoded text
    -- capture
    captured_at timestamptz not null,     -- UTC: its earliest capture
    capture_method varchar not null,      -- manifest | filename | ticker_date | mtime
    -- outcome
    status varchar not null,              -- loaded | rejected | superseded (a capture's less complete version)
    article_id varchar,                   -- the article the dump carries, if any
    ingested_at timestamptz not null,
    run_id varchar not null
);
