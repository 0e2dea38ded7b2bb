"""Pure domain logic: bytes in, typed records out. No Prefect, no DuckDB, no network, no clock.

Import from the modules themselves (`ingest.batch`, `ingest.records`): this package imports nothing,
so that a process that needs one small module (the CLI reading a setting, the feeds poller) does not
load the whole pipeline with it.
"""
