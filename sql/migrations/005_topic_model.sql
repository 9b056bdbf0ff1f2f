-- schema 4 -> 5: topic tags say the model score and the model version they were derived with (the
-- embedding tables are new tables, created by sql/tables/); older tags were the lexicon's alone
alter table headline_topics add column if not exists score double;
alter table headline_topics add column if not exists model_version varchar;
alter table article_topics add column if not exists score double;
alter table article_topics add column if not exists model_version varchar;
