"""Helpers to run ``vigie run`` as a real process against the farm, and to read what it stored
and what the farm really did (its ground truth)."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from simulators.rie import generate_rie
from tests.integration.farmkit import REPO, FarmHandle, farm_env, free_udp_port, start_farm
from vigie.inventory import write_inventory
from vigie.model import Inventory

INTERVAL = 2.0
FAILURES = 3  # the default; with 2, a site router may be declared before its POP (a race of slots)
TIMEOUT_MS = 600  # per attempt; with 1 retry a silent device's poll ends after 1.2 s


def small_rie(sites: int, seed: int, port: int) -> Inventory:
    """The generated RIE with fast SNMP timeouts (a silent device is noticed in seconds)."""
    inv = generate_rie(sites=sites, seed=seed, port=port)
    profiles = {name: dataclasses.replace(p, timeout_ms=TIMEOUT_MS, retries=1) for name, p in inv.snmp_profiles.items()}
    return dataclasses.replace(inv, snmp_profiles=profiles)


def farm_with_scenario(directory: Path, inv: Inventory, scenario: str, port: int) -> FarmHandle:
    path = directory / "rie.json"
    write_inventory(inv, path)
    (directory / "scenario.toml").write_text(scenario)
    return start_farm(inv, path, directory, port, ["--scenario", str(directory / "scenario.toml")])


def start_monitor(directory: Path, duration: float, extra: Sequence[str] = (),
                  name: str = "run") -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "vigie.cli", "run", "--inventory", str(directory / "rie.json"),
           "--store", str(directory / "vigie.db"), "--interval", str(INTERVAL), "--duration", str(duration),
           "--status-format", "json", "--set", f"engine.failures_to_down={FAILURES}",
           "--set", "monitor.status_every_s=1", *extra]
    err = (directory / f"{name}.stderr").open("wb")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True,
                            env=farm_env(), cwd=str(REPO))


def finish(proc: subprocess.Popen[str], timeout: float) -> tuple[int, list[dict[str, Any]]]:
    """Wait (bounded) for the monitor to end; its exit code and JSON status lines."""
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, [orjson.loads(line) for line in out.splitlines() if line.startswith("{")]


def changes(db: Path, kind: str | None = None) -> list[tuple[float, str, str, str | None, str, str | None]]:
    """(at, kind, element, old, new, cause) in stored order."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        sql = "SELECT at, kind, element, old, new, cause FROM state_changes"
        rows = conn.execute(sql + (" WHERE kind = ?" if kind else "") + " ORDER BY at, id",
                            (kind,) if kind else ()).fetchall()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def truth(handle: FarmHandle) -> list[dict[str, Any]]:
    """The farm's ground truth, each record with ``at`` (epoch seconds)."""
    out = []
    for line in handle.ground_truth.read_text().splitlines():
        rec = orjson.loads(line)
        rec["at"] = datetime.fromisoformat(rec["ts"].replace("Z", "+00:00")).timestamp()
        out.append(rec)
    return out


def sim_start(handle: FarmHandle) -> float:
    """When the simulation started (epoch seconds; scenario times count from here)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        recs = truth(handle) if handle.ground_truth.exists() else []
        if recs:
            return float(recs[0]["at"])
        time.sleep(0.1)
    raise AssertionError("the farm wrote no ground truth start record")


def sleep_until(t: float) -> None:
    delay = t - time.time()
    if delay > 0:
        time.sleep(min(delay, 120.0))


__all__ = ["FAILURES", "INTERVAL", "changes", "farm_with_scenario", "finish", "free_udp_port", "sim_start",
           "sleep_until", "small_rie", "start_monitor", "truth"]
