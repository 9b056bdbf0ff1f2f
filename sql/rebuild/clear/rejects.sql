-- clears every reject of a stored dump; unreadable files (no dump_id, no bytes) cannot be re-derived
delete from rejects
where dump_id is not null
