-- gives re-derived dumps and unchanged rejects back the run and time they first arrived
update raw_dumps
set ingested_at = l.ingested_at, run_id = l.run_id
from rebuild_dump_lineage as l
where raw_dumps.dump_id = l.dump_id;

update rejects
set rejected_at = l.rejected_at, run_id = l.run_id
from rebuild_reject_lineage as l
where rejects.reject_key = l.reject_key
  and rejects.reason = l.reason
  and rejects.detail is not distinct from l.detail
