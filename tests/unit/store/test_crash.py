"""Crash safety: a writer killed with SIGKILL mid-write loses nothing committed and leaves nothing partial."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vigie.store import SqliteStore

BATCH = 2000  # state changes per record() call: large enough for the kill to land inside a transaction
ROOT = Path(__file__).resolve().parents[3]

WRITER = textwrap.dedent(
    """
    import sys
    from vigie.state.events import StateChange
    from vigie.store import SqliteStore

    db, first, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = SqliteStore(db)
    n = first
    while True:
        events = [
            StateChange(n * 10_000.0 + i, "device", f"R{i % 50}", "up" if i % 2 else "down",
                        "down" if i % 2 else "up", None, f"batch {n}")
            for i in range(batch)
        ]
        store.record(events)
        print(n, flush=True)
        n += 1
    """
)


def _run_and_kill(db: Path, first: int, batches: int) -> int:
    """Start a writer from batch ``first``, kill -9 it after ``batches`` commits; return the last batch it reported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(first), str(BATCH)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    last = first - 1
    try:
        for line in proc.stdout:
            last = int(line)
            if last >= first + batches - 1:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return last


def _check(db: Path, reported: int) -> int:
    with SqliteStore(db) as store:
        rows = store._conn.execute(
            "SELECT CAST(at / 10000 AS INTEGER) AS batch, count(*) FROM state_changes GROUP BY batch ORDER BY batch"
        ).fetchall()
        total = store._conn.execute("SELECT count(*) FROM state_changes").fetchone()[0]
    batches = [b for b, _ in rows]
    assert batches == list(range(len(batches)))  # no gap
    assert all(count == BATCH for _, count in rows), "a batch is partially written"
    assert len(batches) - 1 >= reported  # every reported commit is there (maybe one more, killed before printing)
    assert total == len(batches) * BATCH
    return len(batches)


@pytest.mark.timeout(120)
def test_kill_9_mid_write_then_restart(tmp_path: Path) -> None:
    db = tmp_path / "vigie.db"
    reported = _run_and_kill(db, 0, 5)
    done = _check(db, reported)
    # restart: replay from the last reported batch (as an engine replaying its last cycle would)
    reported = _run_and_kill(db, reported, 4)
    done = _check(db, reported)
    assert done >= 5 + 3
    with SqliteStore(db) as store:
        states = store.last_states()
        assert len(states) == 50
        assert all(s.since // 10_000 == done - 1 for s in states.values())
