-- removes every row of article_topics before retag reloads it (inside retag's transaction)
delete from article_topics
