-- one row per outlet name the reference table does not know: candidates for data/outlets.csv, most articles first
select source_raw, n_articles, first_seen, last_seen
from unknown_outlets
order by n_articles desc, source_raw
