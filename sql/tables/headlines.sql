-- one row per distinct normalized headline (case, spaces and apostrophes folded)
create table if not exists headlines (
    headline_id varchar primary key,
    headline varchar not null,            -- the first spelling seen
    language varchar,
    first_seen timestamptz not null,
    last_seen timestamptz not null,
    n_snapshots integer not null
);
