"""The SQLite schema of Vigie's embedded store, as an ordered list of migrations.

``MIGRATIONS[i]`` takes a database from schema version ``i`` to ``i + 1``. Policy
(see docs/storage.md): migrations are append-only (never edit one that has shipped),
each runs in one transaction together with the ``schema_version`` row that records it,
and a database newer than the code is refused, never touched.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence

from vigie.errors import VigieError


class StoreError(VigieError):
    """The store could not open, migrate, read or write its database."""


class SchemaTooNew(StoreError):
    """The database was written by a newer Vigie (a schema version this code does not know)."""

    def __init__(self, path: str, found: int, known: int) -> None:
        self.path = path
        self.found = found
        self.known = known
        super().__init__(
            f"database '{path}' is at schema version {found}, but this Vigie only knows versions up to {known}: "
            f"run a Vigie at least as recent as the one that wrote it (or point to another database); "
            f"never downgrade a database by hand"
        )


# v1: the state engine's output.
_V1 = """
CREATE TABLE state_changes (
    id      INTEGER PRIMARY KEY,
    at      REAL NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('device', 'site', 'link', 'interface')),
    element TEXT NOT NULL,
    old     TEXT,
    new     TEXT NOT NULL,
    cause   TEXT,
    detail  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    UNIQUE (at, kind, element, new)
);
CREATE INDEX state_changes_element ON state_changes (kind, element, at);

CREATE TABLE alarms (
    id         INTEGER PRIMARY KEY,
    raised_at  REAL NOT NULL,
    element    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    cause      TEXT,
    text       TEXT NOT NULL,
    sites      INTEGER NOT NULL DEFAULT 0,
    devices    INTEGER NOT NULL DEFAULT 0,
    updated_at REAL,
    cleared_at REAL,
    acked_by   TEXT,
    acked_at   REAL,
    event_at   REAL NOT NULL
);
CREATE INDEX alarms_active ON alarms (id) WHERE cleared_at IS NULL;
CREATE INDEX alarms_raised ON alarms (raised_at);
"""

# v2: what the poller measures about itself, and interface rate rollups.
_V2 = """
CREATE TABLE poll_cycles (
    id             INTEGER PRIMARY KEY,
    cycle          INTEGER NOT NULL,
    started        REAL NOT NULL,
    interval_s     REAL NOT NULL,
    devices        INTEGER NOT NULL,
    completed      INTEGER NOT NULL,
    ok             INTEGER NOT NULL,
    failed         INTEGER NOT NULL,
    timeouts       INTEGER NOT NULL,
    skipped        INTEGER NOT NULL,
    late           INTEGER NOT NULL,
    max_lateness_s REAL NOT NULL,
    wall_s         REAL NOT NULL,
    cpu_s          REAL NOT NULL,
    p50_ms         REAL,
    p95_ms         REAL,
    max_ms         REAL,
    errors         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(errors)),
    UNIQUE (started, cycle)
);

CREATE TABLE device_polls (
    device      TEXT PRIMARY KEY,
    at          REAL NOT NULL,
    duration_s  REAL NOT NULL,
    error       TEXT,
    detail      TEXT NOT NULL DEFAULT '',
    pdus        INTEGER NOT NULL DEFAULT 0,
    retries     INTEGER NOT NULL DEFAULT 0,
    response_ms REAL,
    partial     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE if_rollups (
    device             TEXT NOT NULL,
    if_index           INTEGER NOT NULL,
    bucket_start       INTEGER NOT NULL CHECK (bucket_start % 300 = 0),
    samples            INTEGER NOT NULL,
    in_bps_avg         REAL,
    in_bps_max         REAL,
    out_bps_avg        REAL,
    out_bps_max        REAL,
    in_util_max        REAL,
    out_util_max       REAL,
    in_errors_ps_avg   REAL,
    out_errors_ps_avg  REAL,
    in_discards_ps_avg REAL,
    out_discards_ps_avg REAL,
    PRIMARY KEY (device, if_index, bucket_start)
) WITHOUT ROWID;
CREATE INDEX if_rollups_bucket ON if_rollups (bucket_start);
"""

_V3 = """
ALTER TABLE device_polls ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
CREATE INDEX device_polls_duration ON device_polls (duration_s);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
LATEST = len(MIGRATIONS)


def statements(script: str) -> Iterator[str]:
    """Split a SQL script into complete statements (``executescript`` would commit on its own)."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                yield buf.strip()
            buf = ""
    if buf.strip():
        raise StoreError(f"incomplete SQL statement in migration: {buf.strip()[:80]!r}")


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version of an open database (0: empty, no ``schema_version`` table yet)."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if row is None:
        return 0
    (version,) = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(version)


def migrate(conn: sqlite3.Connection, path: str, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Bring the database to ``len(migrations)``, in one transaction; return the version reached.

    ``conn`` must be in autocommit mode (``isolation_level=None``): transactions are explicit.
    """
    conn.execute("BEGIN IMMEDIATE")  # writers wait here: two processes never migrate at once
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
        )
        found = current_version(conn)
        if found > len(migrations):
            raise SchemaTooNew(path, found, len(migrations))
        for version in range(found + 1, len(migrations) + 1):
            for statement in statements(migrations[version - 1]):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (version, time.time()))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(migrations)
