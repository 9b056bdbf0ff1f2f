-- upserts the headlines the staged items touch, their first/last seen recomputed from all items
insert into headlines by name
with touched as (
    select distinct headline_id from read_parquet($files)
),

seen as (
    select
        i.headline_id,
        arg_min(i.headline, s.captured_at) as headline,
        arg_min(i.language, s.captured_at) as language,
        min(s.captured_at) as first_seen,
        max(s.captured_at) as last_seen,
        count(distinct i.snapshot_id)::integer as n_snapshots
    from ticker_items as i
    join ticker_snapshots as s using (snapshot_id)
    where i.headline_id in (select headline_id from touched)
    group by i.headline_id
)

select * from seen
on conflict (headline_id) do update set
    headline = excluded.headline,
    language = excluded.language,
    first_seen = excluded.first_seen,
    last_seen = excluded.last_seen,
    n_snapshots = excluded.n_snapshots
