-- one row: what the warehouse holds
select
    (select count(*) from raw_dumps) as dumps,
    (select count(*) from articles) as articles,
    (select count(*) from ticker_snapshots) as snapshots,
    (select count(*) from ticker_items) as ticker_items,
    (select count(*) from headlines) as headlines,
    (select count(*) from rejects) as rejects
