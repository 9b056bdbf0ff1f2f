-- one row per derived table with rows: rows a rebuild added and removed (multiset difference of row hashes)
with counted as (
    select
        table_name,
        row_hash,
        count(*) filter (where side = 'before') as n_before,
        count(*) filter (where side = 'after') as n_after
    from rebuild_hashes
    group by table_name, row_hash
)

select
    table_name,
    sum(greatest(n_after - n_before, 0))::bigint as added,
    sum(greatest(n_before - n_after, 0))::bigint as removed
from counted
group by table_name
order by table_name
