-- counts headline_days and headlines again, from the stored items, for the (day, headline) pairs of
-- temp table recount_keys: what a retracted snapshot had added, which no merge can take back (a best
-- position, a first sighting). A headline no snapshot shows any more (the cut-off last one of a
-- half-written version) leaves headlines, with its tags and story tokens.
delete from headline_days
using recount_keys as k
where headline_days.day = k.day and headline_days.headline_id = k.headline_id;

insert into headline_days
select
    timezone('Africa/Casablanca', s.captured_at)::date as day,
    i.headline_id,
    count(*)::integer as slots,
    count(distinct i.snapshot_id)::integer as snapshots,
    min(i.position)::integer as best_position
from ticker_items as i
inner join ticker_snapshots as s using (snapshot_id)
semi join recount_keys as k
    on k.headline_id = i.headline_id and k.day = timezone('Africa/Casablanca', s.captured_at)::date
group by all;

delete from headlines
where headline_id in (select headline_id from recount_keys);

insert into headlines by name
select
    i.headline_id,
    arg_min(i.headline, s.captured_at) as headline,
    arg_min(i.language, s.captured_at) as language,
    min(s.captured_at) as first_seen,
    max(s.captured_at) as last_seen,
    count(distinct i.snapshot_id)::integer as n_snapshots
from ticker_items as i
inner join ticker_snapshots as s using (snapshot_id)
where i.headline_id in (select headline_id from recount_keys)
group by i.headline_id;

-- and its tags and story tokens go with it
delete from headline_topics
where headline_id in (select headline_id from recount_keys)
  and headline_id not in (select headline_id from headlines);

delete from headline_tokens
where headline_id in (select headline_id from recount_keys)
  and headline_id not in (select headline_id from headlines);
