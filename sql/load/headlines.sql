-- merges the new items into headlines: first/last seen widened, snapshots added, the spelling and
-- language of the earliest sighting kept
insert into headlines by name
select
    headline_id,
    arg_min(headline, captured_at) as headline,
    arg_min(language, captured_at) as language,
    min(captured_at) as first_seen,
    max(captured_at) as last_seen,
    count(distinct snapshot_id)::integer as n_snapshots
from new_items($files)
group by headline_id
on conflict (headline_id) do update set
    headline = if(excluded.first_seen < first_seen, excluded.headline, headline),
    language = if(excluded.first_seen < first_seen, excluded.language, language),
    first_seen = least(first_seen, excluded.first_seen),
    last_seen = greatest(last_seen, excluded.last_seen),
    n_snapshots = n_snapshots + excluded.n_snapshots
