"""Prefect flows, tasks, the warehouse and the CLI. Importing it sets Prefect's environment first."""

from tickerhouse.settings import configure_prefect_env

configure_prefect_env()
