"""Files, folders and URLs: storage, discovery of new dumps, the run lock (no Prefect)."""
