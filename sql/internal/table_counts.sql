-- one row per loaded table: its row count
select 'raw_dumps' as table_name, count(*) as n from raw_dumps
union all select 'dump_files', count(*) from dump_files
union all select 'rejects', count(*) from rejects
union all select 'snapshot_versions', count(*) from snapshot_versions
union all select 'ticker_snapshots', count(*) from ticker_snapshots
union all select 'ticker_items', count(*) from ticker_items
union all select 'headline_days', count(*) from headline_days
union all select 'headlines', count(*) from headlines
union all select 'articles', count(*) from articles
union all select 'outlets', count(*) from outlets
union all select 'headline_topics', count(*) from headline_topics
union all select 'article_topics', count(*) from article_topics
union all select 'headline_tokens', count(*) from headline_tokens
