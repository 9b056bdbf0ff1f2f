-- one row per topic per distinct headline: derived from the headline text by the taxonomy in data/topics.toml
create table if not exists headline_topics (
    headline_id varchar not null,         -- headlines.headline_id
    topic varchar not null,               -- taxonomy slug
    matched_terms varchar[] not null,     -- the taxonomy terms or rubric that fired, rubric first
    via varchar not null,                 -- term | rubric | parent:<child slug>
    taxonomy_version varchar not null,    -- the data/topics.toml version the tag was derived with
    score double,                         -- the model's probability for this topic (null: not embedded yet)
    model_version varchar,                -- the topic heads' version (null: lexicon only, text not embedded yet)
    primary key (headline_id, topic)
);
