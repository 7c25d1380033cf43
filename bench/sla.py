"""The SLA engine on a month of the full RIE (a bench, not a test).

A seeded month of history for 14,000 sites (at least 200,000 site state changes inside the
month: outages, collect routers failing with every site behind them unreachable, lost
redundancy, unmeasured time, flapping sites) is written to a real store with
:class:`vigie.store.SqliteStore`, plus declared maintenance windows in ``sla.db``. Then:

- every site's availability and incidents (read the store, timelines, totals, incidents,
  GTR, penalties): budget 5 s;
- the full HTML report as ``vigie sla report --format html`` makes it (load the inventory
  file, read, compute, build, render, write): budget 30 s; and all four formats;
- the same report again: must be the same bytes.

Run: ``.venv/bin/python bench/sla.py [--sites N] [--seed S]``. The last line is one JSON
object with the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0] or ".").resolve() == REPO / "bench":
    sys.path[0] = str(REPO)  # this file is bench/sla.py: `import sla` must find the package, not this script

import argparse  # noqa: E402
import contextlib  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from simulators.rie import generate_rie  # noqa: E402
from sla import synth  # noqa: E402
from sla.calendar import parse_period  # noqa: E402
from sla.cli import add_commands  # noqa: E402
from sla.compute import compute  # noqa: E402
from sla.maintenance import MaintenanceDb  # noqa: E402
from sla.reader import SqliteSource  # noqa: E402
from sla.rules import load_rules  # noqa: E402
from vigie.inventory import write_inventory  # noqa: E402
from vigie.store import SqliteStore  # noqa: E402

PERIOD = "2026-10"
MIN_CHANGES = 200_000


def _report(argv: list[str]) -> float:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers(), clock=lambda: 0.0, environ={"USER": "bench"})
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the command lists the files it wrote
        code = args.func(args)
    took = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"report failed with {code}")
    return took


def _digest(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.iterdir()):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sites", type=int, default=14000)
    ap.add_argument("--seed", type=int, default=7)
    opts = ap.parse_args()
    figures: dict[str, object] = {"bench": "sla", "sites": opts.sites, "period": PERIOD}
    period = parse_period(PERIOD)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        inv = generate_rie(sites=opts.sites, seed=opts.seed)
        write_inventory(inv, d / "rie.json")
        scale = 1.15
        rows = synth.history(inv, period, seed=opts.seed, scale=scale)
        inside = sum(1 for r in rows if period.start <= r[0] < period.end)
        print(f"history: {len(rows):,} site state changes ({inside:,} inside {PERIOD}), scale {scale}")
        figures["state_changes"] = len(rows)
        figures["state_changes_in_period"] = inside
        if opts.sites >= 14000 and inside < MIN_CHANGES:
            raise SystemExit(f"only {inside} changes in the period; the bench needs {MIN_CHANGES}")
        start = time.perf_counter()
        with SqliteStore(d / "vigie.db") as store:
            events = synth.as_events(rows)
            for k in range(0, len(events), 20_000):
                store.record(events[k:k + 20_000])
        print(f"store written in {time.perf_counter() - start:.1f} s")
        windows = synth.windows(inv, period, seed=opts.seed, count=60)
        with MaintenanceDb(d / "sla.db") as db:
            for w in windows:
                db.add(w.element, w.start, w.end, w.reason, w.declared_by, w.declared_at or w.start)
        figures["maintenance_windows"] = len(windows)

        rules = load_rules()
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            src = SqliteSource(d / "vigie.db")
            res = compute(src, inv, rules, period, windows)
            src.close()
            runs.append(time.perf_counter() - start)
        inc = res.incidents
        figures["availability_and_incidents_s"] = round(min(runs), 3)
        figures["availability_and_incidents_runs_s"] = [round(x, 3) for x in runs]
        figures["segments"] = len(res.tl.seg_site)
        figures["incidents"] = len(inc)
        figures["gtr_missed"] = int((inc.counted & (inc.status == 1)).sum())
        print(f"every site's availability and incidents: {min(runs):.2f} s (runs {', '.join(f'{x:.2f}' for x in runs)}"
              f"; budget 5 s): {len(res.tl.seg_site):,} segments, {len(inc):,} incidents, "
              f"{figures['gtr_missed']} GTR missed")

        base = ["sla", "report", "--period", PERIOD, "--inventory", str(d / "rie.json"), "--store",
                str(d / "vigie.db"), "--maintenance-db", str(d / "sla.db")]
        html = _report([*base, "--format", "html", "-o", str(d / "html")])
        figures["html_report_s"] = round(html, 3)
        figures["html_bytes"] = (d / "html" / f"sla-{PERIOD}.html").stat().st_size
        print(f"full HTML report (load inventory, read, compute, render, write): {html:.2f} s (budget 30 s), "
              f"{figures['html_bytes']:,} bytes")
        every = _report([*base, "--format", "md,html,csv,json", "-o", str(d / "all1")])
        again = _report([*base, "--format", "md,html,csv,json", "-o", str(d / "all2")])
        figures["all_formats_s"] = round(min(every, again), 3)
        figures["all_formats_bytes"] = sum(p.stat().st_size for p in (d / "all1").iterdir())
        figures["reproducible"] = _digest(d / "all1") == _digest(d / "all2")
        print(f"all four formats: {every:.2f} s then {again:.2f} s, {figures['all_formats_bytes']:,} bytes; "
              f"same bytes on rerun: {figures['reproducible']}")
        figures["within_budget"] = bool(min(runs) <= 5.0 and html <= 30.0 and figures["reproducible"])
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
