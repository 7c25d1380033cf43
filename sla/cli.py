"""``vigie sla``: reports, maintenance windows, error budgets, rules.

The composition root (``vigie/cli.py``) calls :func:`add_commands` with its subparsers.
Each command returns an exit code (0 ok); bad input raises :class:`sla.errors.SlaError`
(or another :class:`vigie.errors.VigieError`), which ``vigie`` turns into exit code 2 with
the message. The wall clock is read here only (``clock``), never in the engine: it sets
the default period and the declaration time of maintenance windows, never report bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

from sla import fmt
from sla.budget import error_budget
from sla.calendar import DEFAULT_TZ, iso, month_of, parse_period, previous_month, zone
from sla.compute import compute, select_sites
from sla.errors import MaintenanceError, SlaError
from sla.maintenance import DeclaredWindow, MaintenanceDb, load_window_file, parse_instant, read_db_windows
from sla.output import base_name, parse_formats, write_report
from sla.reader import ChangeSource, JsonlSource, SqliteSource
from sla.report import ReportInputs, build_report
from sla.rules import Rules, default_rules_bytes, load_rules
from vigie.errors import InventoryError
from vigie.model import Inventory

Clock = Callable[[], float]


def _inventory(path: str) -> tuple[Inventory, str]:
    from vigie.inventory import load_inventory

    p = Path(path)
    try:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
    except OSError as exc:
        raise InventoryError(f"cannot read inventory file {path!r} ({exc.strerror}); give it with --inventory") \
            from exc
    return load_inventory(p), digest


def _source(args: argparse.Namespace) -> ChangeSource:
    if args.changes:
        return JsonlSource(args.changes)
    return SqliteSource(args.store)


def _windows(args: argparse.Namespace, lo: float, hi: float) -> tuple[list[DeclaredWindow], list[str]]:
    windows: list[DeclaredWindow] = []
    sources: list[str] = []
    db = Path(args.maintenance_db)
    if db.exists():
        windows += read_db_windows(db, lo, hi)
        sources.append(db.name)
    for f in args.maintenance_file:
        windows += [w for w in load_window_file(f) if w.end > lo and w.start < hi]
        sources.append(Path(f).name)
    return windows, sources


def _close(src: ChangeSource) -> None:
    if isinstance(src, SqliteSource):
        src.close()


def cmd_report(args: argparse.Namespace, clock: Clock) -> int:
    rules = load_rules(args.rules)
    period = parse_period(args.period, rules.timezone) if args.period else previous_month(clock(), rules.timezone)
    formats = parse_formats(args.format or ["md"])
    inv, inv_digest = _inventory(args.inventory)
    sites = select_sites(inv, args.access_class, args.lot)
    windows, wsources = _windows(args, period.start, period.end)
    src = _source(args)
    try:
        res = compute(src, inv, rules, period, windows, sites)
    finally:
        _close(src)
    doc = build_report(res, inv, ReportInputs(Path(args.inventory).name, inv_digest, windows, wsources,
                                              args.access_class, args.lot))
    paths = write_report(doc, formats, args.output, base_name(period.label, args.access_class, args.lot))
    s = doc["summary"]
    print(f"SLA {period.label}: {s.get('sites', 0)} sites, availability {fmt.pct(s.get('availability_pct'))}, "
          f"{s.get('incidents', 0)} incidents, {s.get('gtr_missed', 0)} GTR missed, penalties "
          f"{fmt.eur(s.get('penalties_eur', 0.0))} (report {doc['inputs']['report_id'][:16]})")
    for p in paths:
        print(p)
    return 0


def _who(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    who = args.by or environ.get("USER") or environ.get("LOGNAME") or ""
    if not who.strip():
        raise MaintenanceError("who declares is unknown; give --by NAME (or set $USER)")
    return who


def cmd_maintenance_add(args: argparse.Namespace, clock: Clock, environ: Mapping[str, str]) -> int:
    start, end = parse_instant(args.start, "start"), parse_instant(args.end, "end")
    if args.inventory:
        inv, _ = _inventory(args.inventory)
        e = args.element
        if not (e in inv.sites or e in inv.devices or e in inv.links or e in inv.locations):
            raise MaintenanceError(f"element {e!r} is not a site, device, link, POP or datacentre of "
                                   f"{Path(args.inventory).name}; check the name (e.g. S00042, PAR)")
    with MaintenanceDb(args.maintenance_db) as db:
        w = db.add(args.element, start, end, args.reason, _who(args, environ), clock())
    late = " (declared after the fact)" if w.retroactive else ""
    tz = zone(DEFAULT_TZ)
    print(f"declared {w.id}: {w.element} from {iso(w.start, tz)} to {iso(w.end, tz)} by {w.declared_by}{late}")
    return 0


def cmd_maintenance_withdraw(args: argparse.Namespace, clock: Clock, environ: Mapping[str, str]) -> int:
    wid = int(str(args.id).removeprefix("db:"))
    with MaintenanceDb(args.maintenance_db) as db:
        db.withdraw(wid, _who(args, environ), clock(), args.reason)
    print(f"withdrew db:{wid}")
    return 0


def cmd_maintenance_list(args: argparse.Namespace) -> int:
    db_path = Path(args.maintenance_db)
    lo = hi = None
    tz = zone(DEFAULT_TZ)
    if args.period:
        p = parse_period(args.period)
        lo, hi = p.start, p.end
    if not db_path.exists():
        windows: list[DeclaredWindow] = []
        audit: list[Any] = []
    else:
        with MaintenanceDb(db_path, readonly=True) as db:
            windows = db.windows(lo, hi, include_withdrawn=args.all)
            audit = db.audit() if args.audit else []
    if args.format == "json":
        doc = {"windows": [{"id": w.id, "element": w.element, "start": iso(w.start, tz), "end": iso(w.end, tz),
                            "reason": w.reason, "declared_by": w.declared_by,
                            "declared_at": None if w.declared_at is None else iso(w.declared_at, tz),
                            "retroactive": w.retroactive} for w in windows],
               "audit": [{"at": iso(e.at, tz), "by": e.by, "action": e.action, "window": e.window,
                          "detail": e.detail} for e in audit]}
        sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n")
        return 0
    if not windows:
        print("no maintenance windows")
    for w in windows:
        declared = iso(w.declared_at, tz) if w.declared_at is not None else "-"
        late = "  after the fact" if w.retroactive else ""
        print(f"{w.id:>7}  {w.element:<14} {iso(w.start, tz)} -> {iso(w.end, tz)}  by {w.declared_by} at "
              f"{declared}{late}  {w.reason}")
    for e in audit:
        print(f"audit  {iso(e.at, tz)}  {e.by:<12} {e.action:<9} db:{e.window}  {orjson.dumps(e.detail).decode()}")
    return 0


def cmd_budget(args: argparse.Namespace, clock: Clock) -> int:
    rules = load_rules(args.rules)
    now = parse_instant(args.at, "--at") if args.at else clock()
    inv, _ = _inventory(args.inventory)
    sites = select_sites(inv, args.access_class, args.lot)
    p = parse_period(args.period, rules.timezone) if args.period else month_of(now, rules.timezone)
    windows, _ = _windows(args, p.start, p.end)
    src = _source(args)
    try:
        rep = error_budget(inv, now, source=src, rules=rules, windows=windows, period=p, sites=sites)
    finally:
        _close(src)
    tz = p.zone
    worst = sorted(rep.sites.values(), key=lambda b: (b.remaining_s, b.site))[:args.top]
    if args.format == "json":
        doc = {"period": p.label, "at": iso(now, tz),
               "classes": [{"class": c.access_class, "target_pct": c.target_pct, "sites": c.sites,
                            "allowed_s": round(c.allowed_s, 3), "used_s": round(c.used_s, 3),
                            "remaining_s": round(c.remaining_s, 3), "remaining_worst_s": round(c.remaining_worst_s, 3),
                            "sites_exhausted": c.sites_exhausted, "sites_down_now": c.sites_down_now}
                           for c in rep.classes.values()],
               "sites": [{"site": b.site, "class": b.access_class, "lot": b.lot, "target_pct": b.target_pct,
                          "allowed_s": round(b.allowed_s, 3), "used_s": round(b.used_s, 3),
                          "remaining_s": round(b.remaining_s, 3), "remaining_worst_s": round(b.remaining_worst_s, 3),
                          "down_now": b.down_now,
                          "exhausted_at": None if b.exhausted_at is None else iso(b.exhausted_at, tz)}
                         for b in sorted(rep.sites.values(), key=lambda b: b.site)]}
        sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    print(f"error budget {p.label} at {iso(now, tz)}")
    for c in rep.classes.values():
        print(f"  {c.access_class:<10} target {fmt.pct(c.target_pct, 2):>9}  {c.sites:>6} sites  remaining "
              f"{fmt.duration(c.remaining_s):>12} of {fmt.duration(c.allowed_s):>12} (worst case "
              f"{fmt.duration(c.remaining_worst_s)})  {c.sites_exhausted} sites out of budget, "
              f"{c.sites_down_now} down now")
    print(f"  least budget left ({len(worst)}):")
    for b in worst:
        now_txt = f"  DOWN, out at {iso(b.exhausted_at, tz)}" if b.exhausted_at is not None else ""
        print(f"    {b.site:<8} {b.access_class:<10} remaining {fmt.duration(b.remaining_s):>12} of "
              f"{fmt.duration(b.allowed_s)}{now_txt}")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    if args.default:
        sys.stdout.write(default_rules_bytes().decode("utf-8"))
        return 0
    rules: Rules = load_rules(args.rules)
    names = sorted(rules.classes)
    if args.inventory:
        inv, _ = _inventory(args.inventory)
        names = sorted(set(names) | set(inv.access_classes))
        terms = [rules.terms(inv.access_classes[n]) if n in inv.access_classes else rules.terms(n) for n in names]
    else:
        terms = [rules.terms(n) for n in names]
    doc = {**rules.summary(), "classes": [t.to_dict() for t in terms]}
    sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n")
    return 0


def _data_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inventory", required=True, metavar="FILE", help="inventory file (its bytes are hashed)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--store", default="vigie.db", metavar="PATH",
                     help="the monitor's SQLite store, read-only (default vigie.db)")
    src.add_argument("--changes", metavar="FILE", help="a JSONL file of state changes instead of the store")
    p.add_argument("--rules", metavar="FILE", help="contract rules (TOML; default: the shipped rules)")
    p.add_argument("--maintenance-db", default="sla.db", metavar="PATH",
                   help="declared maintenance windows (default sla.db; absent: none)")
    p.add_argument("--maintenance-file", action="append", default=[], metavar="FILE",
                   help="more maintenance windows from a TOML file (repeatable)")
    p.add_argument("--class", dest="access_class", metavar="CLASS", help="only the sites of this access class")
    p.add_argument("--lot", metavar="LOT", help="only the sites of this operator lot")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], *, clock: Clock = time.time,
                 environ: Mapping[str, str] | None = None) -> None:
    """Add ``sla`` and its subcommands to ``vigie``'s subparsers."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    sla = sub.add_parser("sla", help="SLA reports, maintenance windows, error budgets")
    ss = sla.add_subparsers(dest="sla_command", metavar="COMMAND", required=True)

    p = ss.add_parser("report", help="monthly availability, GTR and penalty report")
    p.add_argument("--period", metavar="YYYY-MM",
                   help="a month (default: the previous month, Europe/Paris), a day YYYY-MM-DD, or FIRST..LAST")
    _data_flags(p)
    p.add_argument("--format", action="append", metavar="md|html|csv|json",
                   help="output formats, repeatable or comma-separated (default md)")
    p.add_argument("-o", "--output", default=".", metavar="DIR", help="directory for the report files (default .)")
    p.set_defaults(func=lambda a: cmd_report(a, clock))

    m = ss.add_parser("maintenance", help="declare and list maintenance windows (sla.db, with audit trail)")
    ms = m.add_subparsers(dest="maintenance_command", metavar="ACTION", required=True)
    add = ms.add_parser("add", help="declare a window (also after the fact)")
    add.add_argument("element", help="site code, device, link id, or POP / datacentre code")
    add.add_argument("start", help="ISO-8601 with offset, e.g. 2026-10-03T22:00+02:00")
    add.add_argument("end", help="ISO-8601 with offset (exclusive)")
    add.add_argument("--reason", default="", help="why (change ticket, works)")
    add.add_argument("--by", help="who declares (default $USER)")
    add.add_argument("--inventory", metavar="FILE", help="check the element exists in this inventory")
    add.add_argument("--maintenance-db", default="sla.db", metavar="PATH", help="default sla.db")
    add.set_defaults(func=lambda a: cmd_maintenance_add(a, clock, env))
    wd = ms.add_parser("withdraw", help="withdraw a window (kept, marked, audited)")
    wd.add_argument("id", help="window id (3 or db:3)")
    wd.add_argument("--reason", default="")
    wd.add_argument("--by", help="who withdraws (default $USER)")
    wd.add_argument("--maintenance-db", default="sla.db", metavar="PATH", help="default sla.db")
    wd.set_defaults(func=lambda a: cmd_maintenance_withdraw(a, clock, env))
    ls = ms.add_parser("list", help="list windows (and the audit trail)")
    ls.add_argument("--period", help="only windows overlapping this period")
    ls.add_argument("--all", action="store_true", help="include withdrawn windows")
    ls.add_argument("--audit", action="store_true", help="also print the audit trail")
    ls.add_argument("--format", choices=("text", "json"), default="text")
    ls.add_argument("--maintenance-db", default="sla.db", metavar="PATH", help="default sla.db")
    ls.set_defaults(func=cmd_maintenance_list)

    b = ss.add_parser("budget", help="error budget left in the current period, per class and site")
    _data_flags(b)
    b.add_argument("--at", metavar="ISO", help="the instant to compute at (default now)")
    b.add_argument("--period", help="the period (default: the month holding --at)")
    b.add_argument("--top", type=int, default=20, help="sites with the least budget left to show (default 20)")
    b.add_argument("--format", choices=("text", "json"), default="text")
    b.set_defaults(func=lambda a: cmd_budget(a, clock))

    r = ss.add_parser("rules", help="show the contract rules in force")
    r.add_argument("--default", action="store_true", help="print the shipped default rules file (TOML)")
    r.add_argument("--rules", metavar="FILE")
    r.add_argument("--inventory", metavar="FILE", help="resolve the inventory's classes too")
    r.set_defaults(func=cmd_rules)


__all__ = ["SlaError", "add_commands"]
