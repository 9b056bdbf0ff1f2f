-- one row per capture method (manifest | filename | ticker_date | mtime): how many ticker snapshots were dated that way
select capture_method, count(*) as snapshots
from ticker_snapshots
group by capture_method
order by snapshots desc, capture_method
