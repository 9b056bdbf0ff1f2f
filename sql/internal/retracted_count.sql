-- one row: how many stored snapshots the load retracts (temp table snapshot_retracted)
select count(*) as retracted from snapshot_retracted
