-- one row: whether the warehouse has a table named $name
select count(*) > 0 as present
from duckdb_tables()
where table_name = $name
