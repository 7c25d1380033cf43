"""What a human report shows, in order: sections of tables built from the report data, the
same for Markdown and HTML (the renderers only differ in syntax; HTML adds the plots)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sla import fmt
from sla.report import TOP

Column = tuple[str, Callable[[dict[str, Any]], str], bool]  # header, cell, right-aligned
GTR_ROWS = 200  # GTR misses and maintenance windows shown in full up to this many rows


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: list[list[str]]
    right: tuple[bool, ...]
    intro: str = ""
    note: str = ""
    plot: str = field(default="")  # name of the plot shown with it in HTML


def _key(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda r: str(r[name])


def _table(title: str, rows: Sequence[dict[str, Any]], cols: Sequence[Column], intro: str = "",
           limit: int | None = None, plot: str = "") -> Section:
    shown = rows if limit is None else rows[:limit]
    note = f"{len(shown)} of {len(rows)} rows shown; every row is in the CSV and JSON reports." \
        if len(shown) < len(rows) else ""
    if not rows:
        note = "none"
    return Section(title, tuple(c[0] for c in cols), [[c[1](r) for c in cols] for r in shown],
                   tuple(c[2] for c in cols), intro, note, plot)


def _group_cols(with_target: bool) -> list[Column]:
    cols: list[Column] = [("", _key("key"), False), ("sites", lambda r: fmt.num(r["sites"]), True)]
    if with_target:
        cols += [("target", lambda r: fmt.pct(r["target_pct"], 2), True),
                 ("met", lambda r: "-" if r["availability_pct"] is None
                  else fmt.yes(r["availability_pct"] >= r["target_pct"] - 1e-9), False)]
    cols += [("availability", lambda r: fmt.pct(r["availability_pct"]), True),
             ("best / worst case", lambda r: f"{fmt.pct(r['best_pct'])} / {fmt.pct(r['worst_pct'])}", True),
             ("least available site", lambda r: fmt.pct(r["min_site_pct"]), True),
             ("sites below target", lambda r: fmt.num(r["below_target"]), True),
             ("at risk", lambda r: fmt.num(r["at_risk"]), True),
             ("incidents", lambda r: fmt.num(r["incidents"]), True),
             ("GTR missed", lambda r: fmt.num(r["gtr_missed"]), True),
             ("penalties", lambda r: fmt.eur(r["penalties_eur"]), True),
             ("without redundancy", lambda r: fmt.duration(r["degraded_s"]), True),
             ("unknown", lambda r: fmt.duration(r["unknown_s"]), True)]
    return cols


SITE_COLS: list[Column] = [
    ("site", _key("site"), False), ("name", _key("name"), False), ("class", _key("class"), False),
    ("lot", _key("lot"), False), ("availability", lambda r: fmt.pct(r["availability_pct"]), True),
    ("target", lambda r: fmt.pct(r["target_pct"], 2), True), ("down", lambda r: fmt.duration(r["down_s"]), True),
    ("unknown", lambda r: fmt.duration(r["unknown_s"]), True), ("incidents", lambda r: fmt.num(r["incidents"]), True),
    ("penalty", lambda r: fmt.eur(r["penalty_eur"]), True)]


def sections(doc: dict[str, Any]) -> list[Section]:
    s = doc["summary"]
    inp = doc["inputs"]
    out = []
    summary = [
        ("period", f"{inp['period']['label']} ({inp['period']['start']} to {inp['period']['end']})"),
        ("scope", ", ".join(f"{k} {v}" for k, v in inp["filters"].items() if v) or "all sites"),
        ("sites", fmt.num(s.get("sites", 0))),
        ("availability (unknown time excluded)", fmt.pct(s.get("availability_pct"))),
        ("best case / worst case (unknown as up / as down)",
         f"{fmt.pct(s.get('best_pct'))} / {fmt.pct(s.get('worst_pct'))}"),
        ("sites below their target", fmt.num(s.get("below_target", 0))),
        ("sites at risk (below target if unknown time was down)", fmt.num(s.get("at_risk", 0))),
        ("incidents started in the period", fmt.num(s.get("incidents", 0))),
        ("incidents carried over from before", fmt.num(s.get("incidents_carried_over", 0))),
        ("GTR met / missed / still open", f"{s.get('gtr_met', 0)} / {s.get('gtr_missed', 0)} / {s.get('gtr_open', 0)}"),
        ("penalties", fmt.eur(s.get("penalties_eur", 0.0))),
        ("site down time", fmt.duration(s.get("down_s", 0))),
        ("site time without redundancy (degraded)", fmt.duration(s.get("degraded_s", 0))),
        ("site time unknown (not measured)", fmt.duration(s.get("unknown_s", 0))),
        ("site time in maintenance (excluded)", fmt.duration(s.get("excluded_s", 0))),
        ("site time not covered (no state recorded)", fmt.duration(s.get("not_covered_s", 0))),
    ]
    out.append(Section("Executive summary", ("", ""), [[a, b] for a, b in summary], (False, True)))
    out.append(_table("Availability by access class", doc["classes"], _group_cols(True),
                      "Time-weighted over the sites of the class, against the class target.", plot="distribution"))
    out.append(_table("Availability by operator lot", doc["lots"], _group_cols(False)))
    out.append(_table("Availability by region", doc["regions"], _group_cols(False)))
    out.append(_table("Availability by POP", doc["pops"], _group_cols(False)))
    out.append(Section("Daily availability and outages over time",
                       ("day", "availability", "down", "unknown", "sites down", "incidents started"),
                       [[d["day"], fmt.pct(d["availability_pct"]), fmt.duration(d["down_s"]),
                         fmt.duration(d["unknown_s"]), fmt.num(d["sites_down"]), fmt.num(d["incidents_started"])]
                        for d in doc["daily"]], (False, True, True, True, True, True), plot="daily"))
    out.append(_table("Worst sites", doc["worst_sites"], SITE_COLS, limit=TOP))
    out.append(_table("GTR misses", doc["gtr_misses"], [
        ("site", _key("site"), False), ("class", _key("class"), False), ("start", _key("start"), False),
        ("end", lambda r: r["end"] or "still down", False), ("GTR", lambda r: f"{r['gtr_hours']:g} h {r['gtr_clock']}",
                                                               False),
        ("deadline", _key("deadline"), False), ("late by", lambda r: fmt.duration(r["delay_s"]), True),
        ("cause", lambda r: r["cause"] or "-", False), ("penalty", lambda r: f"{r['penalty_pct']:g} % of fee", True)],
        "Incidents that started in the period and were restored after their GTR deadline (or are still down past it).",
        limit=GTR_ROWS))
    out.append(_table("Penalties", doc["penalties"], [
        ("site", _key("site"), False), ("class", _key("class"), False), ("lot", _key("lot"), False),
        ("availability", lambda r: fmt.pct(r["availability_pct"]), True),
        ("availability penalty", lambda r: f"{r['availability_penalty_pct']:g} %", True),
        ("GTR penalties", lambda r: f"{r['gtr_penalty_pct']:g} %", True),
        ("total (capped)", lambda r: f"{r['penalty_pct']:g} %", True), ("amount", lambda r: fmt.eur(r["penalty_eur"]),
                                                                         True)],
        "Share of the monthly fee of each site; totals per class and lot are in the tables above.", limit=TOP))
    out.append(_table("Down time by cause element", doc["causes"], [
        ("element", _key("element"), False), ("kind", _key("kind"), False), ("sites", lambda r: fmt.num(r["sites"]),
                                                                             True),
        ("site down time", lambda r: fmt.duration(r["downtime_s"]), True),
        ("incidents", lambda r: fmt.num(r["incidents"]), True)],
        "Unreachable sites are attributed to the element the state engine names as the cause "
        f"(rules: unreachable attributed to the {inp['rules']['unreachable_attribution']}).", limit=TOP))
    out.append(_table("Time without redundancy", doc["redundancy"], [
        ("site", _key("site"), False), ("class", _key("class"), False),
        ("degraded", lambda r: fmt.duration(r["degraded_s"]), True),
        ("availability", lambda r: fmt.pct(r["availability_pct"]), True)],
        "Service up but redundancy lost (DEGRADED): counted as available, reported here.", limit=TOP))
    out.append(_table("Unknown time", doc["unknown"], [
        ("site", _key("site"), False), ("class", _key("class"), False),
        ("unknown", lambda r: fmt.duration(r["unknown_s"]), True),
        ("best case", lambda r: fmt.pct(r["best_pct"]), True), ("worst case", lambda r: fmt.pct(r["worst_pct"]), True)],
        "Time the monitor could not measure: excluded from availability, never counted as down.", limit=TOP))
    m = doc["maintenance"]
    wcols: list[Column] = [
        ("window", _key("id"), False), ("element", _key("element"), False), ("start", _key("start"), False),
        ("end", _key("end"), False), ("reason", _key("reason"), False), ("declared by", _key("declared_by"), False),
        ("declared at", lambda r: r["declared_at"] or "-", False),
        ("after the fact", lambda r: fmt.yes(r["retroactive"]), False)]
    out.append(_table("Maintenance windows applied", m["applied"],
                      [*wcols, ("site time excluded", lambda r: fmt.duration(r["excluded_site_s"]), True)],
                      limit=GTR_ROWS))
    if m["ignored"]:
        out.append(_table("Maintenance windows ignored", m["ignored"], [*wcols, ("why", _key("why"), False)],
                          limit=GTR_ROWS))
    out.append(_table("Contract rules applied", doc["contract"], [
        ("class", _key("name"), False), ("target", lambda r: fmt.pct(r["availability_target_pct"], 2), True),
        ("GTR", lambda r: f"{r['gtr_hours']:g} h {r['gtr_clock']}", False),
        ("monthly fee", lambda r: fmt.eur(r["monthly_fee_eur"]), True),
        ("availability penalties", lambda r: ", ".join(f"< {p['below_pct']:g} %: {p['penalty_pct']:g} %"
                                                      for p in r["availability_penalties"]) or "-", False),
        ("GTR penalty", lambda r: f"{r['gtr_penalty_pct_per_started_hour']:g} %/h started, cap "
                                  f"{r['gtr_penalty_cap_pct']:g} %", False),
        ("cap", lambda r: f"{r['penalty_cap_pct']:g} %", True), ("from", _key("source"), False)]))
    states = ", ".join(f"{k} = {v}" for k, v in inp["rules"]["states"].items())
    wsrc = ", ".join(inp["maintenance"]["sources"]) or "-"
    rows = [
        ["report id", inp["report_id"]], ["engine", doc["engine"]],
        ["inventory", f"{inp['inventory']['file']} ({inp['inventory']['name']}), sha256 {inp['inventory']['sha256']}"],
        ["rules", f"{inp['rules']['source']} ({inp['rules']['name']}), sha256 {inp['rules']['sha256']}"],
        ["states", states],
        ["maintenance windows", f"{inp['maintenance']['windows']} from {wsrc}, sha256 {inp['maintenance']['sha256']}"],
        ["state changes", f"{inp['data']['kind']} {inp['data']['name']}: {fmt.num(inp['data']['changes'])} changes "
                          f"from {inp['data']['since']} to {inp['data']['until']}, {inp['data']['initial_states']} "
                          f"states at the start, {inp['data']['context_changes']} read around the period, "
                          f"sha256 {inp['data']['sha256']}"],
    ]
    out.append(Section("Inputs", ("", ""), rows, (False, False),
                       "A rerun on the same inputs gives the same report, byte for byte."))
    if doc["notes"]:
        out.append(Section("Notes", ("",), [[n] for n in doc["notes"]], (False,)))
    return out
