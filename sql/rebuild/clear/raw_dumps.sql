-- clears every raw_dumps row whose bytes are kept: the rebuild re-stages them (same transaction)
delete from raw_dumps
where content is not null or raw_file is not null
