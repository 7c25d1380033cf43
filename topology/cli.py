"""``vigie resilience analyze`` and ``vigie resilience simulate``.

    vigie resilience analyze (--inventory FILE | --graphml FILE) [--core NODE ...] [--down ELEMENT ...]
        [--state SNAPSHOT.json] [--what-if ELEMENT ...] [--pair A B] [--pairs K] [--top N]
        [--format table|json|csv]
    vigie resilience simulate (--inventory FILE | --graphml FILE) [--core NODE ...] [--down ELEMENT ...]
        [--state SNAPSHOT.json] [--samples N] [--seed S] [--availability FILE] [--batch N]
        [--format table|json|csv]

Bad input raises a :class:`~topology.errors.ResilienceError` (a ``VigieError``: ``vigie`` exits 2
with the message). Progress bars go to stderr, only when it is a terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

import orjson

from topology.blast import Progress
from topology.errors import ResilienceError
from topology.graph import Network, from_inventory
from topology.report import (
    FORMATS,
    analysis_csv,
    analysis_json,
    analysis_table,
    montecarlo_csv,
    montecarlo_json,
    montecarlo_table,
)


class Bar:
    """A text progress bar on a terminal: ``label [#######.......] 45 %``."""

    def __init__(self, label: str, stream: TextIO, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream, width
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        pct = 100 * done // max(total, 1)
        if pct == self.shown:
            return
        self.shown = pct
        fill = self.width * done // max(total, 1)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label} [{'#' * fill}{'.' * (self.width - fill)}] {pct:3d} %{end}")
        self.stream.flush()


def progress_bar(label: str, stream: TextIO | None = None) -> Progress | None:
    s = sys.stderr if stream is None else stream
    return Bar(label, s) if s.isatty() else None


def load_network(args: argparse.Namespace) -> Network:
    core = list(args.core or ())
    if args.inventory is not None:
        from vigie.inventory import load_inventory

        inv = load_inventory(args.inventory)
        if core:
            missing = [c for c in core if c not in inv.devices]
            if missing:
                raise ResilienceError(f"core node {missing[0]!r} is not a device of {str(args.inventory)!r}; "
                                      "give device names (the datacentre routers are the default core)")
        return from_inventory(inv, core)
    from topology.graphml import read_graphml

    return read_graphml(args.graphml, core)


def down_elements(args: argparse.Namespace) -> list[str]:
    down = list(args.down or ())
    if args.state is not None:
        from topology.whatif import down_from_snapshot

        path = Path(args.state)
        try:
            snapshot = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ResilienceError(f"state file {str(path)!r} does not exist; give the JSON of the state "
                                  "engine's snapshot") from None
        except (OSError, ValueError) as exc:
            raise ResilienceError(f"cannot read state file {str(path)!r} as JSON ({exc}); give the JSON of the "
                                  "state engine's snapshot") from exc
        if not isinstance(snapshot, dict):
            raise ResilienceError(f"state file {str(path)!r} is not a JSON object; give the state engine's snapshot")
        down += down_from_snapshot(snapshot)
    return down


def _emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def cmd_analyze(args: argparse.Namespace) -> int:
    from topology.analysis import analyze

    if args.pairs < 0 or args.top < 0:
        raise ResilienceError(f"--pairs {args.pairs} / --top {args.top}: give 0 or more")
    net = load_network(args)
    a = analyze(net, down=down_elements(args), what_if_elements=args.what_if or (),
                given_pairs=[tuple(p) for p in args.pair or ()], pairs=args.pairs, top=args.top,
                progress=progress_bar("N-2 scan"))
    if args.format == "json":
        _emit(orjson.dumps(analysis_json(a), option=orjson.OPT_INDENT_2).decode())
    elif args.format == "csv":
        _emit(analysis_csv(a))
    else:
        _emit(analysis_table(a, args.top))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from topology.availability import default_table, element_availability, merge, read_table
    from topology.montecarlo import simulate

    if args.samples < 1:
        raise ResilienceError(f"--samples {args.samples}: give at least 1 (10000 gives ±0.1 % at 99.9 %)")
    if args.batch < 1:
        raise ResilienceError(f"--batch {args.batch}: give at least 1 sample per batch")
    net = load_network(args)
    table = default_table()
    if args.availability is not None:
        table = merge(table, read_table(args.availability))
    avail = element_availability(net, table)
    mc = simulate(net, avail, samples=args.samples, seed=args.seed, down=down_elements(args), batch=args.batch,
                  progress=progress_bar("Monte Carlo"))
    if args.format == "json":
        _emit(orjson.dumps(montecarlo_json(mc), option=orjson.OPT_INDENT_2).decode())
    elif args.format == "csv":
        _emit(montecarlo_csv(mc))
    else:
        _emit(montecarlo_table(mc))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--inventory", type=Path, help="inventory file (JSON); the datacentre routers are the core")
    src.add_argument("--graphml", type=Path, help="a GraphML network (e.g. the Internet Topology Zoo)")
    p.add_argument("--core", nargs="+", action="extend", metavar="NODE",
                   help="core node names (GraphML: name, label or id; default: the node of highest degree)")
    p.add_argument("--down", nargs="+", action="extend", metavar="ELEMENT",
                   help="devices, links or POP/datacentre codes down now")
    p.add_argument("--state", type=Path, metavar="SNAPSHOT",
                   help="state engine snapshot (JSON): its devices and links in state 'down' are down now")
    p.add_argument("--format", choices=FORMATS, default="table")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``resilience analyze`` and ``resilience simulate`` to a ``vigie``-style parser."""
    res = sub.add_parser("resilience", help="single points of failure, blast radius, N-2, expected availability")
    rsub = res.add_subparsers(dest="resilience_command", required=True, metavar="ACTION")
    p = rsub.add_parser("analyze", help="SPOFs of every site, blast radius of every element, N-2, what-if")
    _common(p)
    p.add_argument("--what-if", nargs="+", action="extend", metavar="ELEMENT",
                   help="what failing these (each on its own, on top of --down) would cut off now")
    p.add_argument("--pair", nargs=2, action="append", metavar=("A", "B"), help="N-2 for this pair (repeatable)")
    p.add_argument("--pairs", type=int, default=10, metavar="K",
                   help="the K most damaging pairs of infrastructure elements (default 10; 0 skips the scan)")
    p.add_argument("--top", type=int, default=20, metavar="N", help="rows of each ranking in the table (default 20)")
    p.set_defaults(func=cmd_analyze)
    p = rsub.add_parser("simulate", help="expected availability of every site by Monte Carlo")
    _common(p)
    p.add_argument("--samples", type=int, default=10_000, metavar="N", help="samples (default 10000)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("--availability", type=Path, metavar="FILE",
                   help="TOML/JSON overriding topology/availability_defaults.toml (measured values under [elements])")
    p.add_argument("--batch", type=int, default=500, metavar="N", help="samples per vectorised batch (default 500)")
    p.set_defaults(func=cmd_simulate)
