-- one row: the file of the connection's database ('' or null in memory)
select path
from duckdb_databases()
where database_name = current_database()
