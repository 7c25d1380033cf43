"""Reports: the same inputs give the same bytes; inputs and their hashes are recorded; every
format says the same thing."""

from __future__ import annotations

import csv
import io
import time
from functools import cache
from typing import Any

import orjson
import pytest

from sla import synth
from sla.calendar import parse_period
from sla.compute import compute, select_sites
from sla.errors import ReportError, SlaError
from sla.output import FORMATS, base_name, parse_formats, render
from sla.reader import MemorySource, Row
from sla.report import ReportInputs, build_report
from sla.rules import load_rules, parse_rules
from tests.unit.sla.slakit import inventory

OCT = parse_period("2026-10")


@cache
def _rows() -> tuple[Row, ...]:
    return tuple(synth.history(inventory(), OCT, seed=3))


def _doc(rules_text: str | None = None, access_class: str | None = None, lot: str | None = None) -> dict[str, Any]:
    inv = inventory()
    rules = load_rules() if rules_text is None else parse_rules(rules_text, "custom.toml", "1" * 64)
    windows = synth.windows(inv, OCT, seed=3, count=8)
    sites = select_sites(inv, access_class, lot)
    res = compute(MemorySource(list(_rows())), inv, rules, OCT, windows, sites)
    return build_report(res, inv, ReportInputs("rie.json", "a" * 64, windows, ["sla.db"], access_class, lot))


def _all_bytes(doc: dict[str, Any]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for f in FORMATS:
        out.update(render(doc, f, "sla-2026-10"))
    return out


def test_same_inputs_same_bytes_and_no_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    first = _all_bytes(_doc())

    def no_clock() -> float:
        raise AssertionError("the SLA engine read the wall clock")

    monkeypatch.setattr(time, "time", no_clock)
    second = _all_bytes(_doc())
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name
    assert len(first) == 3 + 10  # md, html, json and ten CSV tables


def test_inputs_are_recorded_with_their_hashes() -> None:
    doc = _doc()
    inp = doc["inputs"]
    assert inp["inventory"] == {"file": "rie.json", "name": inventory().name, "sha256": "a" * 64,
                                "sites_in_inventory": 40, "sites_reported": 40}
    assert inp["rules"]["source"] == "default" and inp["rules"]["sha256"] == load_rules().digest
    assert inp["maintenance"]["windows"] == 8 and len(inp["maintenance"]["sha256"]) == 64
    assert inp["data"]["changes"] > 100 and len(inp["data"]["sha256"]) == 64
    assert inp["period"] == {"label": "2026-10", "start": "2026-10-01T00:00:00+02:00",
                             "end": "2026-11-01T00:00:00+01:00", "timezone": "Europe/Paris"}
    # another contract: another rules hash, another report id
    other = _doc(load_rules().text.replace("gtr_hours = 4\ngtr_clock = \"calendar\"", "gtr_hours = 2\ngtr_clock = "
                                                                                         "\"calendar\""))
    assert other["inputs"]["rules"]["sha256"] != inp["rules"]["sha256"]
    assert other["inputs"]["report_id"] != inp["report_id"]


def test_filters_keep_only_their_sites() -> None:
    doc = _doc(access_class="economy")
    assert {r["class"] for r in doc["sites"]} == {"economy"}
    assert [c["key"] for c in doc["classes"]] == ["economy"]
    assert {r["class"] for r in doc["incidents"]} <= {"economy"}
    assert doc["inputs"]["filters"] == {"class": "economy", "lot": None}
    lot = sorted({s.lot for s in inventory().sites.values()})[0]
    assert {r["lot"] for r in _doc(lot=lot)["sites"]} == {lot}
    with pytest.raises(SlaError, match="access class 'gold' is not in the inventory; use one of economy"):
        select_sites(inventory(), "gold")
    assert base_name("2026-10", "economy", "LOT 2") == "sla-2026-10-economy-LOT_2"


def test_formats_agree() -> None:
    doc = _doc()
    files = _all_bytes(doc)
    js = orjson.loads(files["sla-2026-10.json"])
    assert js == orjson.loads(orjson.dumps(doc))
    sites = list(csv.DictReader(io.StringIO(files["sla-2026-10-sites.csv"].decode())))
    assert [r["site"] for r in sites] == sorted(inventory().sites)
    by_site = {r["site"]: r for r in doc["sites"]}
    for r in sites:
        want = by_site[r["site"]]["availability_pct"]
        assert r["availability_pct"] == ("" if want is None else f"{want:.6f}")
    incidents = list(csv.DictReader(io.StringIO(files["sla-2026-10-incidents.csv"].decode())))
    assert len(incidents) == len(doc["incidents"]) > 0
    html = files["sla-2026-10.html"].decode()
    assert html.count("<svg") == 4  # distribution, daily, two outage charts
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    md = files["sla-2026-10.md"].decode()
    for title in ("Executive summary", "Availability by access class", "Availability by operator lot", "Worst sites",
                  "GTR misses", "Penalties", "Down time by cause element", "Time without redundancy", "Unknown time",
                  "Maintenance windows applied", "Inputs"):
        assert f"## {title}" in md and title in html
    assert doc["inputs"]["report_id"][:16] in md


def test_report_totals_add_up() -> None:
    doc = _doc()
    s = doc["summary"]
    assert s["sites"] == 40
    assert sum(c["sites"] for c in doc["classes"]) == 40
    assert s["down_s"] == pytest.approx(sum(r["down_s"] for r in doc["sites"]), abs=0.1)
    assert s["down_s"] == pytest.approx(sum(c["downtime_s"] for c in doc["causes"]), abs=0.1)
    assert s["penalties_eur"] == pytest.approx(sum(r["penalty_eur"] for r in doc["sites"]))
    assert s["incidents"] == sum(1 for r in doc["incidents"] if not r["carried_over"])
    assert sum(d["sites"] for d in doc["distribution"]) == 40
    assert len(doc["daily"]) == 31


def test_format_flags() -> None:
    assert parse_formats(["md,html", "csv", "md"]) == ["md", "html", "csv"]
    with pytest.raises(ReportError, match="'pdf' is not one of md, html, csv, json"):
        parse_formats(["pdf"])
