-- removes every topic tag and story token before retag (or rebuild) reloads them (inside its transaction)
delete from headline_topics;
delete from article_topics;
delete from headline_tokens;
