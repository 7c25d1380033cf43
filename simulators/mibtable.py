"""A conceptual table of a virtual MIB (:mod:`simulators.mib`): sorted columns × sorted
row indexes, values computed by :class:`~simulators.mibcol.Column` a run of rows at a time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from simulators.mibcol import CellColumn, Column, RowSet
from vigie.snmp.ber import encode_oid
from vigie.snmp.types import NO_SUCH_INSTANCE, NO_SUCH_OBJECT, OID, Value

CellGetter = Callable[[int, int, Any], Value]  # (column, row position, ctx) -> value
Rows = Sequence[tuple[int, ...]]


class Table:
    """A conceptual table: ``entry.column.index…`` for sorted columns and row indexes.

    ``rows`` may be a callable of the context, for tables whose rows differ between
    devices or change over time (LLDP neighbours come and go with their links). Values
    come either from ``cell(column, row position, ctx)`` or from one :class:`Column`
    per column number (``columns`` is then a mapping).
    """

    __slots__ = ("_col_set", "_fns", "_plen", "_rows", "columns", "prefix")

    def __init__(self, entry: OID, columns: Sequence[int] | Mapping[int, Column],
                 rows: Rows | Callable[[Any], Rows], cell: CellGetter | None = None) -> None:
        self.prefix = entry
        self._plen = len(entry)
        self.columns = tuple(sorted(columns))
        self._col_set = frozenset(self.columns)
        self._rows = rows
        if isinstance(columns, Mapping):
            self._fns = dict(columns)
        else:
            if cell is None:
                raise TypeError("Table needs a cell getter or one Column per column")
            self._fns = {c: CellColumn(cell, c) for c in self.columns}

    def rows(self, ctx: Any) -> Rows:
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
            return self._fns[oid[plen]].values(ctx, pos, pos + 1)[0]
        return NO_SUCH_INSTANCE

    def seek(self, oid: OID, rows: Rows) -> tuple[int, int] | None:
        """(column position, row position) of the first instance after ``oid``."""
        if not rows:
            return None
        plen = self._plen
        head = oid[:plen]
        columns = self.columns
        if head < self.prefix:
            return 0, 0
        if head > self.prefix:
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
        return self.prefix + (col,) + rows[pos[1]], self._fns[col].values(ctx, pos[1], pos[1] + 1)[0]

    def runs(self, oid: OID, rows: Rows, limit: int) -> Iterable[tuple[int, int, int]]:
        """(column, first row, end row) runs of the ``limit`` instances after ``oid``."""
        pos = self.seek(oid, rows)
        if pos is None:
            return
        ci, ri = pos
        columns, nrows = self.columns, len(rows)
        while limit > 0 and ci < len(columns):
            stop = min(nrows, ri + limit)
            yield columns[ci], ri, stop
            limit -= stop - ri
            ci, ri = ci + 1, 0

    def walk(self, oid: OID, ctx: Any, limit: int) -> list[tuple[OID, Value]]:
        """Up to ``limit`` successive instances after ``oid`` in this table, in one go
        (no search per step)."""
        rows = self.rows(ctx)
        out: list[tuple[OID, Value]] = []
        for col, start, stop in self.runs(oid, rows, limit):
            head = self.prefix + (col,)
            values = self._fns[col].values(ctx, start, stop)
            out.extend(zip([head + rows[r] for r in range(start, stop)], values))
        return out

    def column(self, col: int) -> Column:
        return self._fns[col]

    def walk_encoded(self, oid: OID, ctx: Any, limit: int) -> tuple[list[bytes], OID | None]:
        """:meth:`walk` as VarBind TLVs, and the OID of the last one (None when empty)."""
        rows = self._rows
        if callable(rows):
            rows = rows(ctx)
        pos = self.seek(oid, rows)
        if pos is None:
            return [], None
        ci, ri = pos
        columns, prefix, fns, nrows = self.columns, self.prefix, self._fns, len(rows)
        shared = rows.oid_tlvs if type(rows) is RowSet else None
        out: list[bytes] = []
        while True:
            col = columns[ci]
            head = prefix + (col,)
            stop = min(nrows, ri + limit)
            names = shared(head) if shared is not None else None
            if names is None:
                names = [encode_oid(head + rows[r]) for r in range(ri, stop)]
            elif ri or stop < nrows:
                names = names[ri:stop]
            column = fns[col]
            got = column.varbinds(ctx, ri, stop, column.prepare(names))
            limit -= stop - ri
            ci += 1
            if limit <= 0 or ci == len(columns):
                out += got
                return out, head + rows[stop - 1]
            out += got
            ri = 0
