-- one row per distinct headline: its folded words of 3+ letters, for grouping near-duplicates into stories
create table if not exists headline_tokens (
    headline_id varchar primary key,      -- headlines.headline_id
    tokens varchar[] not null             -- distinct, sorted
);
