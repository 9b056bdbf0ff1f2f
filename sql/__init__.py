"""The warehouse SQL, one object per file; shipped as package data, read by name (tickerhouse.resources)."""
