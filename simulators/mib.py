"""A virtual MIB: ordered subtrees answering GET and GETNEXT without materialising OIDs.

A simulated router has tens of thousands of instances (41 interface columns × up to 96
interfaces, LLDP, system group); 20,000 routers would be billions of stored OIDs. So a
view is a short list of subtrees, each computing "the value at OID" and "the first
instance after OID" from its structure: scalars, tables (sorted columns × sorted row
indexes) and static lists (recorded ``.snmprec`` walks). Values come from getters called
with a per-request context, so counters are computed at the request's time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from vigie.snmp.types import NO_SUCH_INSTANCE, NO_SUCH_OBJECT, OID, Value

Getter = Callable[[Any], Value]  # ctx -> value
CellGetter = Callable[[int, int, Any], Value]  # (column, row position, ctx) -> value


class Subtree(Protocol):
    prefix: OID

    def get(self, oid: OID, ctx: Any) -> Value: ...

    def next(self, oid: OID, ctx: Any) -> tuple[OID, Value] | None: ...


class Scalars:
    """Scalar objects (``X.0``) under one prefix, e.g. the system group."""

    __slots__ = ("_getters", "_index", "_oids", "prefix")

    def __init__(self, prefix: OID, entries: dict[OID, Getter]) -> None:
        self.prefix = prefix
        self._oids = sorted(entries)
        self._getters = [entries[o] for o in self._oids]
        self._index = {o: i for i, o in enumerate(self._oids)}

    def get(self, oid: OID, ctx: Any) -> Value:
        i = self._index.get(oid)
        if i is not None:
            return self._getters[i](ctx)
        # An object that exists without this instance (sysUpTime.1) is noSuchInstance.
        if oid[:-1] in {o[:-1] for o in self._oids}:
            return NO_SUCH_INSTANCE
        return NO_SUCH_OBJECT

    def next(self, oid: OID, ctx: Any) -> tuple[OID, Value] | None:
        i = bisect_right(self._oids, oid)
        if i < len(self._oids):
            return self._oids[i], self._getters[i](ctx)
        return None


class Table:
    """A conceptual table: ``entry.column.index…`` for sorted columns and row indexes.

    ``rows`` may be a callable of the context, for tables whose rows change over time
    (LLDP neighbours come and go with their links).
    """

    __slots__ = ("_cell", "_col_set", "_plen", "_rows", "columns", "prefix")

    def __init__(self, entry: OID, columns: Sequence[int], rows: Sequence[tuple[int, ...]]
                 | Callable[[Any], Sequence[tuple[int, ...]]], cell: CellGetter) -> None:
        self.prefix = entry
        self._plen = len(entry)
        self.columns = tuple(sorted(columns))
        self._col_set = frozenset(self.columns)
        self._rows = rows
        self._cell = cell

    def rows(self, ctx: Any) -> Sequence[tuple[int, ...]]:
        rows = self._rows
        return rows(ctx) if callable(rows) else rows

    def get(self, oid: OID, ctx: Any) -> Value:
        plen = self._plen
        if len(oid) <= plen + 1 or oid[plen] not in self._col_set:
            return NO_SUCH_OBJECT
        rows = self.rows(ctx)
        idx = oid[plen + 1:]
        pos = bisect_left(rows, idx)
        if pos < len(rows) and rows[pos] == idx:
            return self._cell(oid[plen], pos, ctx)
        return NO_SUCH_INSTANCE

    def seek(self, oid: OID, rows: Sequence[tuple[int, ...]]) -> tuple[int, int] | None:
        """(column position, row position) of the first instance after ``oid``."""
        if not rows:
            return None
        plen = self._plen
        prefix = self.prefix
        head = oid[:plen]
        columns = self.columns
        if head < prefix:
            return 0, 0
        if head > prefix:
            return None
        if len(oid) == plen:
            return 0, 0
        col = oid[plen]
        ci = bisect_left(columns, col)
        ri = 0
        if ci < len(columns) and columns[ci] == col:
            ri = bisect_right(rows, oid[plen + 1:])
            if ri == len(rows):
                ci, ri = ci + 1, 0
        if ci >= len(columns):
            return None
        return ci, ri

    def next(self, oid: OID, ctx: Any) -> tuple[OID, Value] | None:
        rows = self.rows(ctx)
        pos = self.seek(oid, rows)
        if pos is None:
            return None
        col = self.columns[pos[0]]
        return self.prefix + (col,) + rows[pos[1]], self._cell(col, pos[1], ctx)

    def walk(self, oid: OID, ctx: Any, limit: int) -> list[tuple[OID, Value]]:
        """Up to ``limit`` successive instances after ``oid`` in this table, in one go
        (the GETBULK fast path: no search per step)."""
        rows = self.rows(ctx)
        pos = self.seek(oid, rows)
        out: list[tuple[OID, Value]] = []
        if pos is None:
            return out
        ci, ri = pos
        columns, prefix, cell = self.columns, self.prefix, self._cell
        nrows, ncols = len(rows), len(columns)
        while len(out) < limit:
            col = columns[ci]
            head = prefix + (col,)
            stop = min(nrows, ri + limit - len(out))
            out.extend((head + rows[r], cell(col, r, ctx)) for r in range(ri, stop))
            ri = stop
            if ri == nrows:
                ci, ri = ci + 1, 0
                if ci == ncols:
                    break
        return out


class Static:
    """A fixed, sorted list of instances (a recorded walk)."""

    __slots__ = ("_index", "_oids", "_values", "prefix")

    def __init__(self, items: Sequence[tuple[OID, Value]]) -> None:
        ordered = sorted(items, key=lambda kv: kv[0])
        self._oids = [o for o, _ in ordered]
        self._values = [v for _, v in ordered]
        self._index = {o: i for i, o in enumerate(self._oids)}
        self.prefix: OID = ()

    def get(self, oid: OID, ctx: Any) -> Value:
        i = self._index.get(oid)
        if i is not None:
            return self._values[i]
        j = bisect_left(self._oids, oid[:-1])
        if j < len(self._oids) and self._oids[j][:len(oid) - 1] == oid[:-1]:
            return NO_SUCH_INSTANCE
        return NO_SUCH_OBJECT

    def next(self, oid: OID, ctx: Any) -> tuple[OID, Value] | None:
        i = bisect_right(self._oids, oid)
        if i < len(self._oids):
            return self._oids[i], self._values[i]
        return None


class View:
    """What one agent serves: subtrees in OID order, none inside another."""

    __slots__ = ("_subtrees",)

    def __init__(self, subtrees: Sequence[Subtree]) -> None:
        self._subtrees = sorted(subtrees, key=lambda s: s.prefix)

    def get(self, oid: OID, ctx: Any) -> Value:
        for st in self._subtrees:
            p = st.prefix
            if oid[:len(p)] == p:
                return st.get(oid, ctx)
        return NO_SUCH_OBJECT

    def walk(self, oid: OID, ctx: Any, limit: int) -> list[tuple[OID, Value]]:
        """Up to ``limit`` successive instances after ``oid`` (fewer at the end of the view)."""
        out: list[tuple[OID, Value]] = []
        cur = oid
        for st in self._subtrees:
            p = st.prefix
            if cur[:len(p)] > p:
                continue
            if isinstance(st, Table):
                got = st.walk(cur, ctx, limit - len(out))
            else:
                got = []
                while len(got) < limit - len(out):
                    found = st.next(got[-1][0] if got else cur, ctx)
                    if found is None:
                        break
                    got.append(found)
            if got:
                out.extend(got)
                cur = got[-1][0]
                if len(out) >= limit:
                    break
        return out

    def next(self, oid: OID, ctx: Any) -> tuple[OID, Value] | None:
        """The first instance after ``oid``, or None at the end of the MIB view."""
        for st in self._subtrees:
            p = st.prefix
            if oid[:len(p)] > p:
                continue
            found = st.next(oid, ctx)
            if found is not None:
                return found
        return None
