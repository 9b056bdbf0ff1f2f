-- one row when the items stored are not exactly the ones the snapshots announce (a snapshot's items
-- loaded twice or partly): totals, so the check stays cheap on a long history
select items, announced
from (
    select
        (select count(*) from ticker_items) as items,
        (select coalesce(sum(n_items), 0) from ticker_snapshots) as announced
)
where items <> announced
