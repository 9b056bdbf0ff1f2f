-- upserts two warehouse properties: the taxonomy version the tags were last re-derived with, and when
insert or replace into schema_meta
select * from (values ('taxonomy_version', $version), ('retagged_at', $retagged_at))
