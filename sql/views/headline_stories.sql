-- one row per headline per Africa/Casablanca day it was on the ticker, with the story (near-duplicate group) it belongs to
create or replace view headline_stories as
with recursive day_headlines as (
    -- headline_days already holds one row per headline per Moroccan day, kept up to date by every load
    select day, headline_id, slots::bigint as slots
    from headline_days
),

token_rows as (
    select d.day, d.headline_id, unnest(t.tokens) as token, len(t.tokens) as n_tokens
    from day_headlines as d
    join headline_tokens as t using (headline_id)
),

shared as (
    -- pairs of the same day sharing at least one token; counting the shared rows is the intersection
    select
        a.day,
        a.headline_id as a_id,
        b.headline_id as b_id,
        count(*) as n_shared,
        any_value(a.n_tokens) as n_a,
        any_value(b.n_tokens) as n_b
    from token_rows as a
    join token_rows as b
        on a.day = b.day and a.token = b.token and a.headline_id < b.headline_id
    group by all
),

edges as (
    -- token-set Jaccard >= 0.6: a rewording that drops or adds a clause stays one story
    -- (the seed's two "Grand Mufti d'Al-Qods" headlines: 8/11), a follow-up story does not
    select day, a_id, b_id
    from shared
    where n_shared / (n_a + n_b - n_shared) >= 0.6
),

reach as (
    -- every headline reachable from each one through edges (union stops at the fixed point)
    select day, headline_id, headline_id as member
    from day_headlines
    union
    select r.day, r.headline_id, if(e.a_id = r.member, e.b_id, e.a_id) as member
    from reach as r
    join edges as e on e.day = r.day and (e.a_id = r.member or e.b_id = r.member)
),

stories as (
    select day, headline_id, min(member) as story_id, count(*) as story_headlines
    from reach
    group by all
)

select
    st.day,
    st.headline_id,
    h.headline,
    d.slots,
    st.story_id,                          -- the smallest headline_id of the group: stable within a day
    st.story_headlines
from stories as st
join day_headlines as d using (day, headline_id)
join headlines as h using (headline_id)
