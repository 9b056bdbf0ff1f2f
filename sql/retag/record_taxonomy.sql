-- upserts three warehouse properties: the taxonomy the tags were last re-derived with (its version and its
-- TOML text, so a rebuild keeps it), and when
insert or replace into schema_meta
select * from (
    values ('taxonomy_version', $version), ('taxonomy_toml', $toml), ('retagged_at', $retagged_at)
)
