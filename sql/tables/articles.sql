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
