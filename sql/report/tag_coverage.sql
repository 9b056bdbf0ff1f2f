-- one row: how much of the warehouse carries at least one topic tag (distinct headlines, ticker slots, articles), and how many article dates are missing or suspect
with tagged_days as (
    select d.slots, exists (select 1 from headline_topics as t where t.headline_id = d.headline_id) as tagged
    from headline_days as d
)

select
    (select count(*) from headlines) as headlines,
    (select count(distinct headline_id) from headline_topics) as tagged_headlines,
    (select coalesce(sum(slots), 0) from tagged_days)::bigint as slots,
    (select coalesce(sum(slots) filter (where tagged), 0) from tagged_days)::bigint as tagged_slots,
    (select count(*) from articles) as articles,
    (select count(distinct article_id) from article_topics) as tagged_articles,
    (select count(*) from articles where published_date is null) as undated_articles,
    (select count(*) from articles where date_suspect) as suspect_date_articles
