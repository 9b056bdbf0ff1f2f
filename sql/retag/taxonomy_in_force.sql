-- one row per recorded property of the taxonomy in force (taxonomy_version, taxonomy_toml, retagged_at):
-- what the last `retag` or `rebuild --taxonomy` derived the tags with; no row when neither ever ran
select key, value
from schema_meta
where key in ('taxonomy_version', 'taxonomy_toml', 'retagged_at')
