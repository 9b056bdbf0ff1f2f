-- one row per stored dump and per reject: when and by which run it first arrived, kept across a rebuild
create or replace temp table rebuild_dump_lineage as
select dump_id, status, ingested_at, run_id
from raw_dumps
where content is not null or raw_file is not null;

create or replace temp table rebuild_reject_lineage as
select reject_key, reason, detail, rejected_at, run_id
from rejects
where dump_id is not null
