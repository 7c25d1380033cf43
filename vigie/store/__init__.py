"""Embedded storage (SQLite, WAL): state changes, alarms, poll statistics, interface rollups.

See docs/storage.md for the schema and the migrations policy.
"""

from vigie.store.schema import LATEST, MIGRATIONS, SchemaTooNew, StoreError
from vigie.store.sqlite import BUCKET_S, LastState, Rollup, SqliteStore, bucket_start

__all__ = [
    "BUCKET_S",
    "LATEST",
    "MIGRATIONS",
    "LastState",
    "Rollup",
    "SchemaTooNew",
    "SqliteStore",
    "StoreError",
    "bucket_start",
]
