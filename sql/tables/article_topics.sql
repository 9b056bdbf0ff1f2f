-- one row per topic per distinct article: in the title, or at least 3 distinct terms in the body
create table if not exists article_topics (
    article_id varchar not null,          -- articles.article_id
    topic varchar not null,               -- taxonomy slug
    matched_terms varchar[] not null,     -- title terms first, then body terms
    via varchar not null,                 -- term | rubric | parent:<child slug>
    found_in varchar not null,            -- title | body: the stronger place the topic was found
    taxonomy_version varchar not null,
    score double,                         -- the model's probability for this topic (null: not embedded yet)
    model_version varchar,                -- the topic heads' version (null: lexicon only, text not embedded yet)
    primary key (article_id, topic)
);
