-- clears every ticker_items row: all of them are re-derived from raw_dumps.content by a rebuild
delete from ticker_items
