"""``vigie sla`` end to end on files: a store written by the real SqliteStore, an inventory
file, sla.db; reports rerun byte for byte; maintenance windows declared after the fact; error
budgets; bad input gives exit code 2 and a message naming the value and the fix.

(The end-to-end test through ``vigie run`` and the simulator's ground truth comes with the
monitor.)"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import asdict
from pathlib import Path

import orjson
import pytest

from simulators.rie import generate_rie
from sla import synth
from sla.calendar import parse_period
from sla.cli import add_commands
from tests.unit.sla.slakit import paris
from vigie.errors import VigieError
from vigie.inventory import write_inventory
from vigie.store import SqliteStore

pytestmark = pytest.mark.integration
OCT = parse_period("2026-10")
NOW = paris("2026-11-03 09:00")


def run(argv: list[str], now: float = NOW) -> int:
    parser = argparse.ArgumentParser(prog="vigie")
    sub = parser.add_subparsers()
    add_commands(sub, clock=lambda: now, environ={"USER": "tester"})
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except VigieError as exc:  # as vigie.cli.main does
        print(f"vigie: error: {exc}", file=sys.stderr)
        return 2


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("sla")
    inv = generate_rie(sites=50, seed=9)
    write_inventory(inv, d / "rie.json")
    rows = synth.history(inv, OCT, seed=4)
    with SqliteStore(d / "vigie.db") as store:
        store.record(synth.as_events(rows))
    (d / "changes.jsonl").write_bytes(b"".join(orjson.dumps(asdict(e)) + b"\n" for e in synth.as_events(rows)))
    return {"dir": d, "inventory": d / "rie.json", "store": d / "vigie.db", "jsonl": d / "changes.jsonl",
            "sladb": d / "sla.db"}


def _report(w: dict[str, Path], out: Path, *extra: str) -> int:
    return run(["sla", "report", "--period", "2026-10", "--inventory", str(w["inventory"]), "--store", str(w["store"]),
                "--maintenance-db", str(w["sladb"]), "--format", "md,html", "--format", "csv,json", "-o", str(out),
                *extra])


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_report_reruns_byte_for_byte(world: dict[str, Path], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert _report(world, tmp_path / "a") == 0
    out = capsys.readouterr().out
    assert out.startswith("SLA 2026-10: 50 sites, availability ")
    assert _report(world, tmp_path / "b") == 0
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == sorted(b) and len(a) == 13
    assert a == b
    doc = orjson.loads(a["sla-2026-10.json"])
    assert doc["inputs"]["inventory"]["sha256"] == hashlib.sha256(world["inventory"].read_bytes()).hexdigest()
    assert doc["inputs"]["data"]["kind"] == "sqlite" and doc["inputs"]["maintenance"]["windows"] == 0
    # the same changes from a JSONL file: the same data hash, the same figures
    assert run(["sla", "report", "--period", "2026-10", "--inventory", str(world["inventory"]), "--changes",
                str(world["jsonl"]), "--maintenance-db", str(world["sladb"]), "--format", "json",
                "-o", str(tmp_path / "c")]) == 0
    doc2 = orjson.loads((tmp_path / "c" / "sla-2026-10.json").read_bytes())
    assert doc2["inputs"]["data"]["sha256"] == doc["inputs"]["data"]["sha256"]
    assert doc2["sites"] == doc["sites"] and doc2["incidents"] == doc["incidents"]


def test_maintenance_after_the_fact_changes_the_report(world: dict[str, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = str(world["dir"] / "maint.db")
    assert _report(world, tmp_path / "before", "--class", "economy") == 0
    capsys.readouterr()
    before = orjson.loads((tmp_path / "before" / "sla-2026-10-economy.json").read_bytes())
    worst = before["worst_sites"][0]
    inc = next(i for i in before["incidents"] if i["site"] == worst["site"] and i["end"] and not i["carried_over"])
    assert run(["sla", "maintenance", "add", worst["site"], inc["start"], inc["end"], "--reason", "planned works",
                "--inventory", str(world["inventory"]), "--maintenance-db", db]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"declared db:1: {worst['site']} from ")
    assert said.rstrip().endswith("(declared after the fact)")
    assert run(["sla", "maintenance", "list", "--maintenance-db", db, "--audit", "--format", "json"]) == 0
    listed = orjson.loads(capsys.readouterr().out)
    assert listed["windows"][0]["declared_by"] == "tester" and listed["windows"][0]["retroactive"]
    assert listed["audit"][0]["action"] == "declare" and listed["audit"][0]["at"] == "2026-11-03T09:00:00+01:00"
    assert run(["sla", "report", "--period", "2026-10", "--inventory", str(world["inventory"]), "--store",
                str(world["store"]), "--maintenance-db", db, "--class", "economy", "--format", "json",
                "-o", str(tmp_path / "after")]) == 0
    after = orjson.loads((tmp_path / "after" / "sla-2026-10-economy.json").read_bytes())
    site_before = next(r for r in before["sites"] if r["site"] == worst["site"])
    site_after = next(r for r in after["sites"] if r["site"] == worst["site"])
    # the window was given to the second: the outage's sub-second edges stay
    assert site_after["down_s"] == pytest.approx(site_before["down_s"] - inc["down_in_period_s"], abs=1.0)
    applied = after["maintenance"]["applied"]
    assert [(m["element"], m["declared_by"], m["retroactive"]) for m in applied] == [(worst["site"], "tester", True)]
    assert after["inputs"]["maintenance"]["sha256"] != before["inputs"]["maintenance"]["sha256"]
    # withdrawn: the report is back to what it was (but the audit trail remembers)
    assert run(["sla", "maintenance", "withdraw", "1", "--maintenance-db", db, "--reason", "mistake"]) == 0
    assert run(["sla", "report", "--period", "2026-10", "--inventory", str(world["inventory"]), "--store",
                str(world["store"]), "--maintenance-db", db, "--class", "economy", "--format", "json",
                "-o", str(tmp_path / "again")]) == 0
    again = orjson.loads((tmp_path / "again" / "sla-2026-10-economy.json").read_bytes())
    assert again["sites"] == before["sites"]


def test_budget(world: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sla", "budget", "--inventory", str(world["inventory"]), "--store", str(world["store"]),
                "--maintenance-db", str(world["sladb"]), "--at", "2026-10-20T12:00+02:00", "--format", "json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["period"] == "2026-10" and len(doc["sites"]) == 50
    assert {c["class"] for c in doc["classes"]} == {"premium", "standard", "economy", "overseas"}
    assert run(["sla", "budget", "--inventory", str(world["inventory"]), "--store", str(world["store"]),
                "--maintenance-db", str(world["sladb"]), "--at", "2026-10-20T12:00+02:00", "--top", "3"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("error budget 2026-10 at 2026-10-20T12:00:00+02:00") and "least budget left (3)" in text


def test_default_period_is_the_previous_month(world: dict[str, Path], tmp_path: Path) -> None:
    assert run(["sla", "report", "--inventory", str(world["inventory"]), "--store", str(world["store"]),
                "--maintenance-db", str(world["sladb"]), "-o", str(tmp_path)], now=paris("2026-11-01 00:30")) == 0
    assert (tmp_path / "sla-2026-10.md").exists()


def test_rules_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sla", "rules", "--default"]) == 0
    assert 'unreachable = "down"' in capsys.readouterr().out
    assert run(["sla", "rules"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert [c["name"] for c in doc["classes"]] == ["economy", "overseas", "premium", "standard"]


@pytest.mark.parametrize(("argv", "needle"), [
    (["sla", "report", "--period", "2026-13"], "month 2026-13 does not exist"),
    (["sla", "report", "--period", "2026-10", "--format", "pdf"], "'pdf' is not one of md, html, csv, json"),
    (["sla", "report", "--period", "2026-10", "--class", "gold"], "access class 'gold' is not in the inventory"),
    (["sla", "report", "--period", "2026-10", "--store", "{dir}/none.db"], "store '{dir}/none.db' does not exist"),
    (["sla", "report", "--period", "2026-10", "--rules", "{dir}/none.toml"], "none.toml"),
    (["sla", "maintenance", "add", "S00001", "2026-10-03T22:00", "2026-10-04T02:00+02:00"], "no time zone offset"),
    (["sla", "maintenance", "add", "NOPE", "2026-10-03T22:00+02:00", "2026-10-04T02:00+02:00", "--inventory",
      "{inv}"], "'NOPE' is not a site, device, link, POP or datacentre"),
    (["sla", "maintenance", "add", "S00001", "2026-10-04T02:00+02:00", "2026-10-03T22:00+02:00"],
     "end is not after start"),
])
def test_bad_input_exits_2_naming_the_value(world: dict[str, Path], capsys: pytest.CaptureFixture[str],
                                            argv: list[str], needle: str) -> None:
    d = str(world["dir"])
    argv = [a.format(dir=d, inv=world["inventory"]) for a in argv]
    if argv[1] == "report":
        argv += [a for a in ["--inventory", str(world["inventory"])] if "--inventory" not in argv]
        if "--store" not in argv:
            argv += ["--store", str(world["store"])]
        argv += ["-o", str(world["dir"] / "bad")]
    else:
        argv += ["--maintenance-db", str(world["dir"] / "bad.db")]
    assert run(argv) == 2
    assert needle.format(dir=d) in capsys.readouterr().err
