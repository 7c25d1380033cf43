"""Inventory figures: generating, writing, loading and checking the 14,000-site RIE.

Prints one line per figure, medians of --repeats runs, then one JSON object (last line).
The issue's target: loading the 14,000-site inventory takes under 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from simulators.rie import generate_rie
from vigie.inventory import check_inventory, load_inventory, write_inventory


def timed(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sites", type=int, default=14000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rie.json"
        gen_s = timed(lambda: generate_rie(sites=args.sites, seed=7), args.repeats)
        inv = generate_rie(sites=args.sites, seed=7)
        write_s = timed(lambda: write_inventory(inv, path), args.repeats)
        load_s = timed(lambda: load_inventory(path), args.repeats)
        check_s = timed(lambda: check_inventory(path), args.repeats)
        size_mb = path.stat().st_size / 1e6
    figures = {
        "sites": len(inv.sites), "devices": len(inv.devices), "links": len(inv.links),
        "interfaces": sum(len(d.interfaces) for d in inv.devices.values()), "file_mb": round(size_mb, 1),
        "generate_s": round(gen_s, 3), "write_s": round(write_s, 3), "load_s": round(load_s, 3),
        "check_s": round(check_s, 3), "repeats": args.repeats,
    }
    for key, value in figures.items():
        print(f"{key:>12}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
