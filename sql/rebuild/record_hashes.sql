-- one row per row of table $table: its hash without the lineage columns a re-run changes (raw_file: the
-- rebuild re-archives the bytes it re-staged; the bytes themselves are what dump_id hashes)
insert into rebuild_hashes
select
    $side as side,
    $table as table_name,
    hash(*columns(lambda c: c not in ('run_id', 'ingested_at', 'seen_at', 'rejected_at', 'raw_file'))) as row_hash
from query_table($table)
