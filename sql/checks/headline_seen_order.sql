-- one row per headline whose first sighting is after its last, or whose count disagrees with its items
select h.headline_id, h.first_seen, h.last_seen, h.n_snapshots
from headlines as h
where h.first_seen > h.last_seen or h.n_snapshots < 1
