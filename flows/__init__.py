"""Orchestration: the Prefect flows and the `newsflow` CLI. Imports Prefect lazily (see cli.py)."""
