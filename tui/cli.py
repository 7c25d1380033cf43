"""``vigie tui``: the NOC dashboard attached, read-only, to the store of a monitor running elsewhere
on the machine (``vigie run``), polled every second. See docs/dashboard.md.

``vigie demo`` opens the same dashboard over its own monitor (in-process, with acknowledgements).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

# Kept here rather than imported from tui.app: building the parser must not import Textual.
THEME_NAMES = ("vigie-dark", "vigie-light", "ansi-dark", "ansi-light", "textual-dark", "textual-light")
VIEW_NAMES = ("overview", "alarms", "sites", "topology")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("tui", help="the NOC dashboard, attached read-only to a running monitor's store",
                       description="The NOC dashboard over the SQLite store of a running 'vigie run' (read-only, "
                                   "polled every second). Keys: ? in the dashboard.")
    p.add_argument("--inventory", type=Path, required=True, help="the inventory the monitor watches (JSON)")
    p.add_argument("--store", type=Path, default=Path("vigie.db"),
                   help="the monitor's SQLite store (default vigie.db)")
    p.add_argument("--who", default=None, help="operator name shown on acknowledgements (default: login name)")
    p.add_argument("--theme", choices=THEME_NAMES, default=os.environ.get("VIGIE_THEME", "vigie-dark"),
                   help="colours (default vigie-dark, or $VIGIE_THEME); ansi-* use the terminal's own palette")
    p.add_argument("--view", choices=VIEW_NAMES, default="overview", help="the view to open first")
    p.set_defaults(func=tui_command)


def tui_command(args: argparse.Namespace) -> int:
    from tui.source import SourceError
    from tui.storesource import StoreSource

    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        print("vigie tui: needs a terminal (stdin and stderr); for scripts use 'vigie run --status-format json' "
              "or read the store", file=sys.stderr)
        return 2
    if args.theme not in THEME_NAMES:
        print(f"vigie tui: theme {args.theme!r} unknown; use one of {', '.join(THEME_NAMES)}", file=sys.stderr)
        return 2
    if not args.inventory.is_file():
        print(f"vigie tui: inventory {str(args.inventory)!r}: no such file; give the inventory the monitor "
              "watches with --inventory FILE", file=sys.stderr)
        return 2
    try:
        source = StoreSource.open(args.inventory, args.store)
    except SourceError as exc:
        print(f"vigie tui: {exc}", file=sys.stderr)
        return 2
    from tui.app import VigieApp

    gc.freeze()  # the inventory and the states are long-lived: keep them out of the collector's full passes
    try:
        VigieApp(source, who=args.who, theme=args.theme, view=args.view).run()
    finally:
        source.close()
    return 0


__all__ = ["THEME_NAMES", "add_commands", "tui_command"]
