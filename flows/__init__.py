"""Prefect flows, tasks, the warehouse and the CLI. Importing it sets Prefect's environment first."""

from flows.settings import configure_prefect_env

configure_prefect_env()
