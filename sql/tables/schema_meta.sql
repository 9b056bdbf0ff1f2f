-- one row per warehouse property (schema_version)
create table if not exists schema_meta (
    key varchar primary key,
    value varchar not null
);
