"""Reference data that ships with tickerhouse (outlets, topics); read through tickerhouse.resources."""
