-- one row: how much of the ticker is fully tagged, i.e. its headline has been read by the topic model (has a vector) and not by the lexicon alone: distinct headlines and ticker slots
with days as (
    select
        d.headline_id,
        d.slots,
        exists (select 1 from headline_embeddings as e where e.headline_id = d.headline_id) as embedded
    from headline_days as d
)

select
    count(distinct headline_id) as headlines,
    count(distinct headline_id) filter (where embedded) as tagged_headlines,
    coalesce(sum(slots), 0)::bigint as slots,
    coalesce(sum(slots) filter (where embedded), 0)::bigint as tagged_slots
from days
