"""Rendering a report in the formats asked for and writing the files (atomically)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sla.errors import ReportError
from sla.report_csv import render_csv
from sla.report_html import render_html
from sla.report_json import render_json
from sla.report_md import render_md

FORMATS = ("md", "html", "csv", "json")


def parse_formats(values: Iterable[str]) -> list[str]:
    """``["md,html", "csv"]`` -> ``["md", "html", "csv"]`` (repeatable flags and comma lists)."""
    out: list[str] = []
    for v in values:
        for f in v.split(","):
            f = f.strip().lower()
            if not f:
                continue
            if f not in FORMATS:
                raise ReportError(f"report format {f!r} is not one of {', '.join(FORMATS)}; e.g. --format md,html")
            if f not in out:
                out.append(f)
    if not out:
        raise ReportError(f"no report format given; use --format with {', '.join(FORMATS)}")
    return out


def base_name(period: str, access_class: str | None = None, lot: str | None = None) -> str:
    """``sla-2026-10``, ``sla-2026-10-premium``, ``sla-2026-10-LOT2``, ``sla-2026-10-premium-LOT2``."""
    parts = ["sla", period, *(p for p in (access_class, lot) if p)]
    return re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(parts))


def render(doc: dict[str, Any], fmt: str, base: str) -> dict[str, bytes]:
    """File name -> bytes, for one format."""
    if fmt == "md":
        return {f"{base}.md": render_md(doc)}
    if fmt == "html":
        return {f"{base}.html": render_html(doc)}
    if fmt == "json":
        return {f"{base}.json": render_json(doc)}
    if fmt == "csv":
        return {f"{base}-{suffix}.csv": data for suffix, data in render_csv(doc).items()}
    raise ReportError(f"report format {fmt!r} is not one of {', '.join(FORMATS)}")


def write_report(doc: dict[str, Any], formats: Iterable[str], directory: str | Path, base: str) -> list[Path]:
    """Write every file of every format into ``directory`` (created if needed); return the paths."""
    d = Path(directory)
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create report directory {str(d)!r} ({exc.strerror}); "
                          "give a writable -o DIR") from exc
    written = []
    for fmt in formats:
        for name, data in sorted(render(doc, fmt, base).items()):
            path = d / name
            tmp = d / f".{name}.tmp"
            try:
                tmp.write_bytes(data)
                os.replace(tmp, path)
            except OSError as exc:
                raise ReportError(f"cannot write {str(path)!r} ({exc.strerror}); give a writable -o DIR") from exc
            written.append(path)
    return written
