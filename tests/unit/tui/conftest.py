"""Fixtures of the dashboard's tests: a fixed state, a fixed clock, a fixed time zone."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.unit.tui.tuikit import memory_source
from tui.memory import MemorySource
from tui.source import PollerView


@pytest.fixture(autouse=True)
def paris_time() -> Iterator[None]:
    """Clock texts depend on the local zone: pin it, so that screens are the same on every machine."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def mem() -> MemorySource:
    src = memory_source()
    src.set_poller(PollerView(source=src.label, alive=True, devices=len(src.inventory.devices), not_measured=1,
                              cycles=6, cycle=6, cycle_started=src.now() - 75.0, interval_s=60.0, completion=0.998,
                              late=3, failed=24, timeouts=24, wall_s=58.2, cpu_s=1.4, polls=2950))
    src.drain()
    return src
