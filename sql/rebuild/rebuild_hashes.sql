-- one row per row of a derived table, before or after a rebuild: its content hash
create or replace temp table rebuild_hashes (
    side varchar not null,                -- before | after
    table_name varchar not null,
    row_hash ubigint not null
)
