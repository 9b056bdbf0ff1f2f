-- clears every headline_days row: all of them are re-derived from raw_dumps.content by a rebuild
delete from headline_days
