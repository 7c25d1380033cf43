"""``resilience analyze`` and ``resilience simulate`` end to end: inventory and GraphML files in, table,
JSON and CSV out, exit code 2 with a message naming the bad value and the fix.

The parser is built here the way ``vigie`` will wire it (``add_commands``), and errors are reported
as ``vigie.cli.main`` does."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from simulators.rie import generate_rie
from topology.cli import Bar, add_commands
from vigie.errors import VigieError
from vigie.inventory import write_inventory

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
RENATER = REPO / "tests" / "data" / "zoo" / "Renater2010.graphml"


def run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="vigie")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub)
    args = parser.parse_args(list(argv))
    try:
        code: int = args.func(args)
    except VigieError as exc:
        print(f"vigie: error: {exc}", file=sys.stderr)
        code = 2
    out, err = capsys.readouterr()
    return code, out, err


@cache
def inventory_file(directory: str) -> Path:
    path = Path(directory) / "rie.json"
    write_inventory(generate_rie(sites=200, seed=3), path)
    return path


@pytest.fixture
def rie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return inventory_file(str(tmp_path_factory.getbasetemp()))


def test_analyze_inventory_json(rie: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["resilience", "analyze", "--inventory", str(rie), "--format", "json", "--pairs", "5"], capsys)
    assert code == 0, err
    assert err == ""  # no progress bar when stderr is not a terminal
    doc = json.loads(out)
    assert doc["elements"]["sites"] == 200 and len(doc["sites"]) == 200
    assert sorted(doc["core"]) == [f"DC{i}-{p}" for i in range(1, 5) for p in "AB"]
    assert sum(doc["summary"]["paths"].values()) == 200 and doc["summary"]["paths"]["0"] == 0
    sizes = [b["sites"] for b in doc["blast_radius"]]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > 1
    assert "site_codes" in doc["blast_radius"][0] and len(doc["blast_radius"][0]["site_codes"]) == sizes[0]
    assert doc["articulation_points"] and doc["bridges"]
    assert {loc["element"] for loc in doc["locations"]} >= {"PAR", "DC1"}
    pairs = doc["n2"]["top_pairs"]
    assert len(pairs) == 5 and pairs[0]["joint"] >= pairs[-1]["joint"] > 0
    economy = next(s for s in doc["sites"] if s["class"] == "economy")
    assert economy["paths"] == 1 and economy["own_spofs"] == [f"{economy['site']}-R1"]


def test_analyze_live_state_and_questions(rie: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "snapshot.json"
    state.write_text(json.dumps({"devices": {"PAR-CA": {"state": "down", "cause": None, "since": 1.0}},
                                 "links": {}}))
    code, out, err = run(["resilience", "analyze", "--inventory", str(rie), "--state", str(state), "--down", "LYO-C01",
                          "--what-if", "PAR-CB", "LYO", "--pair", "MRS-CA", "MRS-CB", "--pairs", "0",
                          "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["down"] == ["LYO-C01", "PAR-CA"]
    assert doc["live"]["lost_redundancy"] and set(doc["live"]["lost_redundancy"]) <= set(doc["live"]["one_away"])
    what = {w["element"]: w for w in doc["what_if"]}
    assert what["PAR-CB"]["sites"] > 0 and what["LYO"]["kind"] == "group"
    pair = doc["n2"]["pairs"][0]
    assert (pair["first"], pair["second"]) == ("MRS-CA", "MRS-CB") and pair["joint"] == pair["both"] > 0
    assert doc["n2"]["top_pairs"] == []


def test_analyze_table_and_csv(rie: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["resilience", "analyze", "--inventory", str(rie), "--pairs", "2", "--top", "5"], capsys)
    assert code == 0
    assert "independent paths to the core" in out and "blast radius" in out and "N-2" in out
    assert "PAR" in out.split("locations")[1]
    code, out, _ = run(["resilience", "analyze", "--inventory", str(rie), "--format", "csv", "--pairs", "0"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 200 and set(rows[0]) == {"site", "class", "paths", "spofs", "own_spofs",
                                                                "finding"}
    assert {r["paths"] for r in rows} <= {"0", "1", "2+"}


def test_analyze_graphml(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["resilience", "analyze", "--graphml", str(RENATER), "--core", "Paris", "--format", "json",
                          "--pairs", "3"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["core"] == ["Paris"] and doc["kind"] == "graphml" and doc["elements"]["sites"] == 42
    assert doc["blast_radius"][0]["element"] == "Paris" and doc["blast_radius"][0]["sites"] == 42
    assert len(doc["articulation_points"]) == 4 and len(doc["bridges"]) == 5
    code, out, _ = run(["resilience", "analyze", "--graphml", str(RENATER), "--pairs", "0"], capsys)
    assert code == 0 and "core: " in out


@pytest.mark.parametrize(("argv", "message"), [
    (["analyze", "--graphml", str(RENATER), "--core", "Pariss"], "core 'Pariss' is not a node of"),
    (["analyze", "--graphml", str(RENATER), "--down", "Atlantis"], "'Atlantis' is not a node, link or group"),
    (["analyze", "--graphml", "/nonexistent.graphml"], "does not exist"),
    (["analyze", "--inventory", "/nonexistent.json"], "does not exist"),
    (["analyze", "--graphml", str(RENATER), "--state", "/nonexistent.json"], "state file '/nonexistent.json'"),
    (["simulate", "--graphml", str(RENATER), "--samples", "0"], "--samples 0: give at least 1"),
    (["analyze", "--graphml", str(RENATER), "--pair", "Lyon", "Nowhere"], "'Nowhere' is not a node"),
])
def test_bad_input_exits_2_naming_the_value(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["resilience", *argv], capsys)
    assert code == 2 and message in err and out == "", err


def test_simulate_is_seeded(rie: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["resilience", "simulate", "--inventory", str(rie), "--samples", "600", "--format", "json"]
    code, first, err = run([*base, "--seed", "4"], capsys)
    assert code == 0 and err == ""
    _, again, _ = run([*base, "--seed", "4", "--batch", "77"], capsys)
    _, other, _ = run([*base, "--seed", "5"], capsys)
    assert first == again and first != other
    doc = json.loads(first)
    assert doc["samples"] == 600 and len(doc["sites"]) == 200
    assert {c["name"] for c in doc["classes"]} == {"premium", "standard", "economy", "overseas"}
    assert sum(doc["isolated"]["histogram"].values()) == 600
    override = tmp_path / "avail.toml"
    override.write_text("[node]\ncollect = 0.5\n")
    _, worse, _ = run([*base, "--seed", "4", "--availability", str(override)], capsys)
    assert json.loads(worse)["isolated"]["mean"] > doc["isolated"]["mean"] + 10
    code, table, _ = run(["resilience", "simulate", "--graphml", str(RENATER), "--samples", "300"], capsys)
    assert code == 0 and "sites cut off per sample" in table
    code, rows, _ = run(["resilience", "simulate", "--graphml", str(RENATER), "--samples", "300", "--format", "csv"],
                        capsys)
    assert code == 0 and rows.splitlines()[0] == "site,class,availability,low,high,target,verdict"


def test_progress_bar_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = Bar("Monte Carlo", stream, width=10)
    for done in (1, 5, 10):
        bar(done, 10)
    text = stream.getvalue()
    assert "\rMonte Carlo [#.........]  10 %" in text and text.endswith("[##########] 100 %\n")
    code = ("import argparse, sys; from topology.cli import add_commands; p = argparse.ArgumentParser(); "
            "s = p.add_subparsers(); add_commands(s); a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))")
    r = subprocess.run([sys.executable, "-c", code, "resilience", "simulate", "--graphml", str(RENATER),
                        "--samples", "50", "--batch", "10"], capture_output=True, text=True, cwd=str(REPO), timeout=60)
    assert r.returncode == 0 and r.stderr == "" and "Monte Carlo: 50 samples" in r.stdout
