"""Table columns computed a run of rows at a time, and their BER encodings.

A :class:`Column` answers for rows ``start..stop`` of one table column in one call,
either as SMI values (GET, GETNEXT) or straight as value TLVs (GETBULK's hot path): one
Python call per column and per request instead of several per cell. Encoders here are
specialised by SMI type (the hot ones are Counter64, Counter32 and small INTEGERs).

:class:`RowSet` is a sorted list of row indexes that many devices share (every router
of one model numbers its interfaces alike): it caches the encoded OIDs of its rows per
column, so a walk appends bytes instead of building, hashing and encoding OID tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final, Protocol

from vigie.snmp.ber import TAG_OID, encode_length, encode_octet_string, encode_oid_body, tlv
from vigie.snmp.types import OID, Value
from vigie.snmp.values import encode_value

VARBIND_HEADERS: Final = tuple(b"\x30" + encode_length(n) for n in range(4096))
_OCT_HDR: Final = tuple(bytes((0x04, n)) for n in range(128))
ROWSETS_MAX = 4096  # distinct row-index lists whose OIDs are cached (46 in the whole RIE)
PREFIX_CACHE_MAX = 8192  # OIDs per value type whose VarBind prefixes are kept (a few MB at most)


def varbind_header(size: int) -> bytes:
    return b"\x30" + encode_length(size)


class Column(Protocol):
    """One table column. :meth:`prepare` turns the encoded OIDs of some rows into what
    :meth:`varbinds` needs for them (done once per walk plan: the OIDs of shared rows do
    not change), :meth:`varbinds` returns the VarBind TLVs of those rows now."""

    def values(self, ctx: Any, start: int, stop: int) -> list[Value]: ...

    def prepare(self, names: list[bytes]) -> list[Any]: ...

    def varbinds(self, ctx: Any, start: int, stop: int, prepared: list[Any]) -> list[bytes]: ...


class Assembler(Protocol):
    """Encodes raw values (plain ints, bytes) of one SMI type into VarBinds."""

    def prepare(self, names: list[bytes]) -> list[Any]: ...

    def __call__(self, prepared: list[Any], values: list[Any]) -> list[bytes]: ...


def _join(names: list[bytes], values: list[bytes]) -> list[bytes]:
    hdr = VARBIND_HEADERS
    try:
        return [hdr[len(o) + len(v)] + o + v for o, v in zip(names, values)]
    except IndexError:  # a varbind longer than the header table: rare, and slower
        return [varbind_header(len(o) + len(v)) + o + v for o, v in zip(names, values)]


def _names(names: list[bytes]) -> list[Any]:
    return names


class AnyValues:
    """Any SMI values, through the codec's generic value encoder."""

    prepare = staticmethod(_names)

    def __call__(self, prepared: list[Any], values: list[Any]) -> list[bytes]:
        return _join(prepared, [encode_value(v) for v in values])


class OctetStrings:
    prepare = staticmethod(_names)

    def __call__(self, prepared: list[Any], values: list[bytes]) -> list[bytes]:
        return _join(prepared, [_OCT_HDR[len(v)] + v if len(v) < 0x80 else encode_octet_string(v) for v in values])


def prefix_cache(tag: int, sizes: int) -> Callable[[bytes], tuple[bytes, ...]]:
    """``prefixes(oid_tlv)[n]``: the SEQUENCE header, the OID and the value's tag and
    length of a VarBind whose value has ``n`` content octets (what is left to append is
    the content). Cached per OID and type, for ``PREFIX_CACHE_MAX`` OIDs."""
    found = _PREFIX_CACHES.get((tag, sizes))
    if found is not None:
        return found
    cache: dict[bytes, tuple[bytes, ...]] = {}
    get = cache.get

    def prefixes(oid: bytes) -> tuple[bytes, ...]:
        got = get(oid)
        if got is None:
            got = tuple(varbind_header(len(oid) + 2 + n) + oid + bytes((tag, n)) for n in range(sizes))
            if len(cache) < PREFIX_CACHE_MAX:
                cache[oid] = got
        return got

    _PREFIX_CACHES[(tag, sizes)] = prefixes
    return prefixes


_PREFIX_CACHES: dict[tuple[int, int], Callable[[bytes], tuple[bytes, ...]]] = {}


class Unsigned:
    """Counter32/Gauge32/TimeTicks/Counter64 from plain ints already in range: each row
    prepared as its prefixes by content size, then one concatenation per value."""

    __slots__ = ("_prefixes",)

    def __init__(self, tag: int) -> None:
        self._prefixes = prefix_cache(tag, 10)

    def prepare(self, names: list[bytes]) -> list[Any]:
        return [self._prefixes(o) for o in names]

    def __call__(self, prepared: list[Any], values: list[int]) -> list[bytes]:
        return [p[n] + v.to_bytes(n, "big") for p, v in zip(prepared, values) for n in ((v.bit_length() >> 3) + 1,)]


_SMALL = 4  # INTEGER values whose whole VarBind is prepared (statuses, truth values)
_int_prefixes = prefix_cache(0x02, 5)


class Integers:
    """INTEGER (Integer32): each row prepared as its whole VarBinds for the small values,
    followed by its OID."""

    def prepare(self, names: list[bytes]) -> list[Any]:
        return [(*(varbind_header(len(o) + 3) + o + bytes((0x02, 1, v)) for v in range(_SMALL)), o) for o in names]

    def __call__(self, prepared: list[Any], values: list[int]) -> list[bytes]:
        return [p[v] if 0 <= v < _SMALL else _int_varbind(p[_SMALL], v) for p, v in zip(prepared, values)]


def _int_varbind(oid: bytes, v: int) -> bytes:
    n = ((v if v >= 0 else ~v).bit_length() >> 3) + 1
    return _int_prefixes(oid)[n] + v.to_bytes(n, "big", signed=True)


assemble_values, assemble_octets, assemble_ints = AnyValues(), OctetStrings(), Integers()


class Const:
    """A column with the same value in every row: its rows are prepared as whole VarBinds."""

    __slots__ = ("_tlv", "value")

    def __init__(self, value: Value) -> None:
        self.value = value
        self._tlv = encode_value(value)

    def values(self, ctx: Any, start: int, stop: int) -> list[Value]:
        return [self.value] * (stop - start)

    def prepare(self, names: list[bytes]) -> list[Any]:
        tlv = self._tlv
        return _join(names, [tlv] * len(names))

    def varbinds(self, ctx: Any, start: int, stop: int, prepared: list[Any]) -> list[bytes]:
        return list(prepared)


class CellColumn:
    """A column from a ``cell(column, row position, ctx)`` getter (generic tables)."""

    __slots__ = ("cell", "column")

    def __init__(self, cell: Callable[[int, int, Any], Value], column: int) -> None:
        self.cell = cell
        self.column = column

    def values(self, ctx: Any, start: int, stop: int) -> list[Value]:
        cell, col = self.cell, self.column
        return [cell(col, r, ctx) for r in range(start, stop)]

    prepare = staticmethod(_names)

    def varbinds(self, ctx: Any, start: int, stop: int, prepared: list[Any]) -> list[bytes]:
        return assemble_values(prepared, self.values(ctx, start, stop))


class RawColumn:
    """A column from ``raw(ctx, start, stop)`` returning plain Python values (ints,
    bytes), wrapped in their SMI type (``kind``) for :meth:`values` and encoded by
    ``assemble`` for :meth:`varbinds` without creating the typed objects."""

    __slots__ = ("assemble", "kind", "raw")

    def __init__(self, raw: Callable[[Any, int, int], list[Any]], kind: Callable[[Any], Value] | None,
                 assemble: Assembler) -> None:
        self.raw = raw
        self.kind = kind
        self.assemble = assemble

    def values(self, ctx: Any, start: int, stop: int) -> list[Value]:
        raw = self.raw(ctx, start, stop)
        kind = self.kind
        return raw if kind is None else [kind(v) for v in raw]

    def prepare(self, names: list[bytes]) -> list[Any]:
        return self.assemble.prepare(names)

    def varbinds(self, ctx: Any, start: int, stop: int, prepared: list[Any]) -> list[bytes]:
        return self.assemble(prepared, self.raw(ctx, start, stop))


class RowSet(list[tuple[int, ...]]):
    """Sorted row indexes, with the encoded OIDs of every row per column (by the OID of
    the column). Get shared instances from :func:`row_set`."""

    __slots__ = ("_tlvs", "serial")

    def __init__(self, rows: Iterable[tuple[int, ...]], serial: int = 0) -> None:
        super().__init__(rows)
        self.serial = serial  # > 0: shared (interned for the life of the process)
        self._tlvs: dict[OID, list[bytes]] | None = {} if serial else None

    def oid_tlvs(self, head: OID) -> list[bytes] | None:
        """The OBJECT IDENTIFIER TLVs of ``head + row`` for every row (None: not cached)."""
        tlvs = self._tlvs
        if tlvs is None:
            return None
        got = tlvs.get(head)
        if got is None:
            body = encode_oid_body(head)
            got = tlvs[head] = [tlv(TAG_OID, body + _index_body(row)) for row in self]
        return got


def _index_body(row: tuple[int, ...]) -> bytes:
    """The sub-identifiers of a row index (what follows the column's OID)."""
    if row and min(row) >= 0 and max(row) < 0x80:
        return bytes(row)
    return encode_oid_body((0, 0, *row))[1:]  # (0, 0) is the one-octet 0x00: the rest is the row


_ROWSETS: dict[tuple[tuple[int, ...], ...], RowSet] = {}


def row_set(rows: Iterable[tuple[int, ...]]) -> RowSet:
    """The shared :class:`RowSet` of these (sorted) rows; past ``ROWSETS_MAX`` distinct
    ones, a private one that caches nothing (memory stays bounded)."""
    key = tuple(rows)
    found = _ROWSETS.get(key)
    if found is None:
        if len(_ROWSETS) >= ROWSETS_MAX:
            return RowSet(key)
        found = _ROWSETS[key] = RowSet(key, len(_ROWSETS) + 1)
    return found
