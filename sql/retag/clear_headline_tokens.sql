-- removes every row of headline_tokens before retag reloads it (inside retag's transaction)
delete from headline_tokens
