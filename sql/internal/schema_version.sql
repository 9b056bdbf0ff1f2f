-- one row at most: the schema version the warehouse records
select value::integer as schema_version
from schema_meta
where key = 'schema_version'
