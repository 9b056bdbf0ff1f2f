-- one row per distinct article, with its topics (partition: published_month, null when the date is unusable)
with tags as (
    select article_id, list(topic order by topic) as topics
    from article_topics
    group by article_id
)

select
    -- partition: first day of the publication month
    cast(date_trunc('month', published_date) as date) as published_month,
    -- key
    cast(article_id as varchar) as article_id,
    -- as written
    cast(title as varchar) as title,
    cast(source_raw as varchar) as source_raw,
    cast(date_raw as varchar) as date_raw,
    cast(edition as varchar) as edition,
    cast(body as varchar) as body,
    cast(captions as varchar[]) as captions,
    -- normalized
    cast(outlet_id as varchar) as outlet_id,
    cast(source as varchar) as source,
    cast(source_known as boolean) as source_known,
    cast(published_date as date) as published_date,
    cast(date_suspect as boolean) as date_suspect,
    cast(date_method as varchar) as date_method,
    cast(a.language as varchar) as language,
    cast(coalesce(t.topics, []) as varchar[]) as topics,
    -- lineage
    cast(first_dump_id as varchar) as first_dump_id,
    cast(first_captured_at as timestamptz) as first_captured_at
from articles as a
left join tags as t using (article_id)
