-- replaces the tags of the articles in the registered table `staged_tags` (one row per article per topic)
delete from article_topics where article_id in (select distinct article_id from staged_ids);
insert into article_topics by name select * from staged_tags;
