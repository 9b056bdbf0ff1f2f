-- replaces the tags of the headlines in the registered table `staged_tags` (one row per headline per topic)
delete from headline_topics where headline_id in (select distinct headline_id from staged_ids);
insert into headline_topics by name select * from staged_tags;
