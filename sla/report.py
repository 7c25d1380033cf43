"""The report as data: one structure every format renders (md, html, csv, json).

Deterministic by construction: it holds only what comes from the inputs (no wall clock),
every list is sorted with a total order, and numbers are rounded once here (seconds to the
millisecond, percentages to 1e-6, euros to the cent), so the same inputs give the same
bytes. The inputs themselves (inventory, rules, maintenance windows, state changes, period,
filters) are recorded with their sha256, and ``report_id`` is the hash of all of them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from sla.availability import GroupTotals, daily, group_totals
from sla.calendar import iso, iso_many
from sla.compute import Results
from sla.incidents import GTR_STATUS, MISSED, incident_causes
from sla.maintenance import DeclaredWindow, windows_digest_doc
from sla.timeline import CAT_DOWN, STATES, UNREACHABLE
from vigie.model import Inventory

ENGINE = "vigie-sla/1"
TOP = 25  # rows of the "worst" tables in md and html (csv and json have everything)
BINS = ((100.0, 100.0, "100 %"), (99.99, 100.0, "99.99-100"), (99.9, 99.99, "99.9-99.99"),
        (99.5, 99.9, "99.5-99.9"), (99.0, 99.5, "99-99.5"), (95.0, 99.0, "95-99"), (0.0, 95.0, "< 95"))


def r3(x: float) -> float:
    return round(float(x), 3)


def pct(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else round(float(x), 6)


@dataclass(frozen=True, slots=True)
class ReportInputs:
    inventory_file: str  # file name (not the path: the same file elsewhere is the same input)
    inventory_sha256: str
    windows: Sequence[DeclaredWindow]
    window_sources: Sequence[str]  # "sla.db", file names
    access_class: str | None = None
    lot: str | None = None


def _group_row(g: GroupTotals, extra: dict[str, Any]) -> dict[str, Any]:
    return {"key": g.key, **extra, "sites": g.sites, "availability_pct": pct(g.availability_pct),
            "best_pct": pct(g.best_pct), "worst_pct": pct(g.worst_pct), "min_site_pct": pct(g.min_site_pct),
            "below_target": g.below_target, "at_risk": g.at_risk, "down_s": r3(g.down_s),
            "degraded_s": r3(g.degraded_s), "unknown_s": r3(g.unknown_s), "excluded_s": r3(g.excluded_s),
            "not_covered_s": r3(g.not_covered_s)}


def _element_kind(inv: Inventory, e: str) -> str:
    if e in inv.devices:
        d = inv.devices[e]
        return f"{d.role.value} router" + (f" ({d.location})" if d.location else "")
    if e in inv.links:
        return f"{inv.links[e].layer.value} link"
    if e in inv.sites:
        return "site"
    return "other"


def build_report(res: Results, inv: Inventory, inputs: ReportInputs) -> dict[str, Any]:
    tl, t, inc, period = res.tl, res.totals, res.incidents, res.period
    tz = period.zone
    n = len(tl.sites)
    sites = [inv.sites[c] for c in tl.sites]
    avail = t.availability_pct()
    inc_per_site = np.bincount(inc.site, weights=inc.counted.astype(np.float64), minlength=n).astype(np.float64)
    missed = inc.counted & (inc.status == MISSED)
    missed_per_site = np.bincount(inc.site, weights=missed.astype(np.float64), minlength=n).astype(np.float64)

    def groups(keys: list[str], with_target: bool) -> list[dict[str, Any]]:
        out = []
        ks = np.array(keys)
        for key, g in group_totals(t, keys, res.targets_pct).items():
            m = ks == key
            extra: dict[str, Any] = {}
            if with_target:
                extra["target_pct"] = res.terms[int(np.flatnonzero(m)[0])].availability_target_pct
            row = _group_row(g, extra)
            row["incidents"] = int(inc_per_site[m].sum())
            row["gtr_missed"] = int(missed_per_site[m].sum())
            row["penalties_eur"] = round(float(res.penalty_eur[m].sum()), 2)
            out.append(row)
        return out

    site_rows = _site_rows(res, sites, inc_per_site, missed_per_site)
    incidents = _incident_rows(res, sites)
    all_keys = ["all"] * n
    summary = groups(all_keys, False)[0] if n else {}
    summary.pop("key", None)
    summary.update({
        "incidents_carried_over": int((~inc.counted).sum()),
        "gtr_met": int((inc.counted & (inc.status == 0)).sum()), "gtr_missed": int(missed.sum()),
        "gtr_open": int((inc.counted & (inc.status == 2)).sum()),
        "penalties_eur": round(float(res.penalty_eur.sum()), 2)})
    by_avail = sorted(site_rows, key=lambda r: (r["availability_pct"] is None, r["availability_pct"] or 0.0,
                                                -r["down_s"], r["site"]))
    d = daily(tl, period)
    started = np.array([float(s) for s in inc.start[inc.counted]])
    day_rows = []
    for k, (day, d0, d1) in enumerate(period.days()):
        a = d.availability_pct()[k]
        day_rows.append({"day": day.isoformat(), "availability_pct": pct(a), "down_s": r3(d.down_s[k]),
                         "unknown_s": r3(d.unknown_s[k]), "sites_down": int(d.sites_down[k]),
                         "incidents_started": int(((started >= d0) & (started < d1)).sum())})
    return {
        "report": "vigie SLA report", "engine": ENGINE,
        "inputs": _inputs(res, inv, inputs),
        "summary": summary,
        "classes": groups([s.access_class for s in sites], True),
        "lots": groups([s.lot for s in sites], False),
        "regions": groups([s.region for s in sites], False),
        "pops": groups([s.pop for s in sites], False),
        "contract": _contract(res),
        "distribution": _distribution(avail),
        "daily": day_rows,
        "worst_sites": by_avail,
        "sites": sorted(site_rows, key=lambda r: r["site"]),
        "incidents": incidents,
        "gtr_misses": sorted((r for r in incidents if r["gtr"] == "missed" and not r["carried_over"]),
                             key=lambda r: (-r["delay_s"], r["start"], r["site"])),
        "penalties": sorted((r for r in site_rows if r["penalty_eur"] > 0 or r["penalty_pct"] > 0),
                            key=lambda r: (-r["penalty_eur"], -r["penalty_pct"], r["site"])),
        "causes": _causes(res, inv),
        "redundancy": sorted((r for r in site_rows if r["degraded_s"] > 0),
                             key=lambda r: (-r["degraded_s"], r["site"])),
        "unknown": sorted((r for r in site_rows if r["unknown_s"] > 0), key=lambda r: (-r["unknown_s"], r["site"])),
        "maintenance": _maintenance(res, tz),
        "notes": _notes(res),
    }


def _col(a: npt.NDArray[np.float64], digits: int) -> list[float | None]:
    """Rounded once, NaN -> None."""
    r = np.round(a.astype(np.float64), digits)
    out: list[float | None] = r.tolist()
    if np.isnan(r).any():
        out = [None if x != x else x for x in out]  # x != x: NaN
    return out


def _site_rows(res: Results, sites: list[Any], inc_per_site: npt.NDArray[np.float64],
               missed_per_site: npt.NDArray[np.float64]) -> list[dict[str, Any]]:
    t = res.totals
    cols = {
        "target_pct": _col(res.targets_pct, 6), "availability_pct": _col(t.availability_pct(), 6),
        "best_pct": _col(t.best_pct(), 6), "worst_pct": _col(t.worst_pct(), 6), "up_s": _col(t.up_s, 3),
        "down_s": _col(t.down_s, 3), "degraded_s": _col(t.degraded_s, 3), "unknown_s": _col(t.unknown_s, 3),
        "excluded_s": _col(t.excluded_s, 3), "not_covered_s": _col(t.not_covered_s, 3),
        "incidents": inc_per_site.astype(np.int64).tolist(), "gtr_missed": missed_per_site.astype(np.int64).tolist(),
        "availability_penalty_pct": _col(res.availability_penalty_pct, 6),
        "gtr_penalty_pct": _col(res.gtr_penalty_pct, 6), "penalty_pct": _col(res.penalty_pct, 6),
        "penalty_eur": _col(res.penalty_eur, 2)}
    names = list(cols)
    rows = []
    for i, s in enumerate(sites):
        row: dict[str, Any] = {"site": s.code, "name": s.name, "class": s.access_class, "lot": s.lot,
                               "region": s.region, "pop": s.pop}
        for k in names:
            row[k] = cols[k][i]
        rows.append(row)
    return rows


def _incident_rows(res: Results, sites: list[Any]) -> list[dict[str, Any]]:
    tl, inc, tz = res.tl, res.incidents, res.period.zone
    order = np.lexsort((inc.site, inc.start))
    start, end = iso_many(inc.start[order], tz), iso_many(inc.end[order], tz)
    deadline = iso_many(inc.deadline[order], tz)
    cols = {
        "duration_s": _col((inc.end - inc.start)[order], 3), "down_in_period_s": _col(inc.down_s[order], 3),
        "unknown_inside_s": _col(inc.unknown_s[order], 3), "gtr_hours": _col(inc.gtr_s[order] / 3600.0, 3),
        "gtr_elapsed_s": _col(inc.elapsed_s[order], 3), "delay_s": _col(inc.delay_s[order], 3),
        "penalty_pct": _col(inc.penalty_pct[order], 6)}
    site_ix, cause_ix = inc.site[order].tolist(), inc.cause[order].tolist()
    state_ix, status_ix, counted = inc.state[order].tolist(), inc.status[order].tolist(), inc.counted[order].tolist()
    rows = []
    for k, j in enumerate(order.tolist()):
        i, c = site_ix[k], cause_ix[k]
        rows.append({
            "site": tl.sites[i], "class": sites[i].access_class, "lot": sites[i].lot, "start": start[k],
            "end": end[k], "duration_s": cols["duration_s"][k], "down_in_period_s": cols["down_in_period_s"][k],
            "unknown_inside_s": cols["unknown_inside_s"][k], "state": STATES[state_ix[k]],
            "cause": tl.causes[c] if c >= 0 else None, "causes": incident_causes(inc, tl, j),
            "carried_over": not counted[k], "gtr_hours": cols["gtr_hours"][k], "gtr_clock": res.terms[i].gtr_clock,
            "gtr_elapsed_s": cols["gtr_elapsed_s"][k], "deadline": deadline[k], "gtr": GTR_STATUS[status_ix[k]],
            "delay_s": cols["delay_s"][k], "penalty_pct": cols["penalty_pct"][k]})
    return rows


def _contract(res: Results) -> list[dict[str, Any]]:
    seen = {t.name: t for t in res.terms}
    return [seen[k].to_dict() for k in sorted(seen)]


def _distribution(avail: npt.NDArray[np.float64]) -> list[dict[str, Any]]:
    out = []
    valid = avail[~np.isnan(avail)]
    for lo, hi, label in BINS:
        count = int((valid >= lo).sum()) if lo == hi else int(((valid >= lo) & (valid < hi)).sum())
        out.append({"bin": label, "sites": count})
    out.append({"bin": "no data", "sites": int(np.isnan(avail).sum())})
    return out


def _causes(res: Results, inv: Inventory) -> list[dict[str, Any]]:
    tl, inc = res.tl, res.incidents
    nc, n = len(tl.causes), len(tl.sites)
    down = tl.seg_cat == CAT_DOWN
    if not down.any():
        return []
    site, cause, state = tl.seg_site[down], tl.seg_cause[down], tl.seg_state[down]
    to_site = cause < 0
    if res.rules.unreachable_attribution == "site":
        to_site |= state == UNREACHABLE
    key = np.where(to_site, nc + site, cause).astype(np.int64)
    downtime = np.bincount(key, weights=tl.duration[down], minlength=nc + n)
    pairs = np.unique(key * n + site)
    sites_per = np.bincount(pairs // n, minlength=nc + n)
    ikey = np.where(inc.cause < 0, nc + inc.site, inc.cause).astype(np.int64)
    inc_per = np.bincount(ikey[inc.counted], minlength=nc + n)
    rows = []
    for k in np.flatnonzero(downtime > 0).tolist():
        name = tl.causes[k] if k < nc else tl.sites[k - nc]
        rows.append({"element": name, "kind": _element_kind(inv, name), "sites": int(sites_per[k]),
                     "downtime_s": r3(downtime[k]), "incidents": int(inc_per[k])})
    return sorted(rows, key=lambda r: (-r["downtime_s"], r["element"]))


def _maintenance(res: Results, tz: Any) -> dict[str, Any]:
    tl = res.tl
    used = np.bincount(tl.seg_window[tl.seg_window >= 0], weights=tl.duration[tl.seg_window >= 0],
                       minlength=len(tl.windows))

    def row(w: DeclaredWindow) -> dict[str, Any]:
        return {"id": w.id, "element": w.element, "start": iso(w.start, tz), "end": iso(w.end, tz),
                "reason": w.reason, "declared_by": w.declared_by,
                "declared_at": None if w.declared_at is None else iso(w.declared_at, tz),
                "retroactive": w.retroactive}

    applied = [{**row(w), "excluded_site_s": r3(used[i])} for i, w in enumerate(tl.windows)]
    ignored = [{**row(w), "why": why} for w, why in tl.ignored_windows]
    return {"applied": sorted(applied, key=lambda r: (r["start"], r["id"])),
            "ignored": sorted(ignored, key=lambda r: (r["start"], r["id"]))}


def _notes(res: Results) -> list[str]:
    notes = []
    if res.tl.odd_states:
        odd = ", ".join(f"{k!r} x{v}" for k, v in sorted(res.tl.odd_states.items()))
        notes.append(f"states this Vigie does not know were read as unknown: {odd}")
    if res.tl.ignored_windows:
        notes.append(f"{len(res.tl.ignored_windows)} maintenance window(s) name nothing in the inventory: ignored")
    return notes


def _inputs(res: Results, inv: Inventory, inputs: ReportInputs) -> dict[str, Any]:
    h, p = res.history, res.period
    tz = p.zone
    rules = res.rules
    doc = {
        "period": {"label": p.label, "start": iso(p.start, tz), "end": iso(p.end, tz), "timezone": p.tz},
        "filters": {"class": inputs.access_class, "lot": inputs.lot},
        "inventory": {"file": inputs.inventory_file, "name": inv.name, "sha256": inputs.inventory_sha256,
                      "sites_in_inventory": len(inv.sites), "sites_reported": len(res.tl.sites)},
        "rules": rules.summary(),
        "maintenance": {"sources": sorted(inputs.window_sources), "windows": len(inputs.windows),
                        "sha256": hashlib.sha256(windows_digest_doc(list(inputs.windows))).hexdigest()},
        "data": {**res.source, "since": iso(h.since, tz), "until": iso(h.until, tz),
                 "initial_states": len(h.initial), "changes": len(h), "context_changes": len(h.context),
                 "first_change": iso(float(h.at[0]), tz) if len(h) else None,
                 "last_change": iso(float(h.at[-1]), tz) if len(h) else None, "sha256": res.data_digest()},
    }
    doc["report_id"] = hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return doc
