-- removes every row of headline_topics before retag reloads it (inside retag's transaction)
delete from headline_topics
