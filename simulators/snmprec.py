"""Recorded real devices in snmpsim's ``.snmprec`` format: ``OID|TAG|VALUE`` per line.

TAG is the BER tag number (2 Integer32, 4 OCTET STRING, 5 NULL, 6 OID, 64 IpAddress,
65 Counter32, 66 Gauge32, 67 TimeTicks, 68 Opaque, 70 Counter64); a trailing ``x`` means
the value is hex. Lines starting with ``#`` are comments. snmpsim's variation modules
(``TAG:module``) are not supported: such a line is reported, not silently served wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from simulators.mib import Static, View
from vigie.errors import SimulatorError
from vigie.snmp.types import (
    OID,
    Counter32,
    Counter64,
    Gauge32,
    IpAddress,
    ObjectIdentifier,
    Opaque,
    TimeTicks,
    Value,
    parse_oid,
)

_INT_TYPES: dict[int, Callable[[int], Value]] = {2: int, 65: Counter32, 66: Gauge32, 67: TimeTicks, 70: Counter64}


def _value(tag: int, hexed: bool, text: str) -> Value:
    if tag in _INT_TYPES:
        return _INT_TYPES[tag](int(text))
    raw = bytes.fromhex(text) if hexed else text.encode("utf-8", "surrogateescape")
    if tag == 4:
        return raw
    if tag == 5:
        return None
    if tag == 6:
        return ObjectIdentifier(parse_oid(text))
    if tag == 64:
        return IpAddress(raw) if hexed else IpAddress.from_string(text)
    if tag == 68:
        return Opaque(raw)
    raise ValueError(f"unsupported tag {tag}")


def parse_snmprec(text: str, source: str = "snmprec") -> list[tuple[OID, Value]]:
    items: list[tuple[OID, Value]] = []
    problems: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            oid_text, tag_text, value = line.split("|", 2)
            hexed = tag_text.endswith("x")
            items.append((parse_oid(oid_text), _value(int(tag_text.rstrip("x")), hexed, value)))
        except (ValueError, Exception) as exc:
            problems.append(f"{source}:{n}: {line[:60]!r}: {exc}")
    if problems:
        shown = "\n  ".join(problems[:10])
        raise SimulatorError(f"{len(problems)} unreadable line(s) in {source}; expected 'OID|TAG|VALUE':\n  {shown}")
    return items


def load_snmprec(path: str | Path) -> View:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise SimulatorError(f"cannot read recorded device {str(p)!r}: {exc.strerror}") from exc
    return View([Static(parse_snmprec(text, str(p)))])
