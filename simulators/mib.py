"""A virtual MIB: ordered subtrees answering GET and GETNEXT without materialising OIDs.

A simulated router has tens of thousands of instances (41 interface columns × up to 96
interfaces, LLDP, system group); 20,000 routers would be billions of stored OIDs. So a
view is a short list of subtrees, each computing "the value at OID" and "the first
instance after OID" from its structure: scalars, tables (sorted columns × sorted row
indexes) and static lists (recorded ``.snmprec`` walks). Values come from getters called
with a per-request context, so counters are computed at the request's time; the
structure itself holds no device, so one view serves every simulated router (the
context says which).

GETBULK's hot path is :meth:`View.walk_encoded`: the varbinds come out as BER TLVs,
table columns are computed a run of rows at a time (:class:`Column`), and the OIDs of
rows shared by many devices are encoded once (:class:`RowSet`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from simulators.mibcol import CellColumn, Column, RowSet
from simulators.mibtable import Table
from vigie.snmp.pdu import encode_varbind_tlvs
from vigie.snmp.types import NO_SUCH_INSTANCE, NO_SUCH_OBJECT, OID, Value

Getter = Callable[[Any], Value]  # ctx -> value


class Subtree(Protocol):
    prefix: OID

    def get(self, oid: OID, ctx: Any) -> Value: ...

    def next(self, oid: OID, ctx: Any) -> tuple[OID, Value] | None: ...

    def walk(self, oid: OID, ctx: Any, limit: int) -> list[tuple[OID, Value]]: ...


class Scalars:
    """Scalar objects (``X.0``) under one prefix, e.g. the system group."""

    __slots__ = ("_getters", "_index", "_objects", "_oids", "prefix")

    def __init__(self, prefix: OID, entries: dict[OID, Getter]) -> None:
        self.prefix = prefix
        self._oids = sorted(entries)
        self._getters = [entries[o] for o in self._oids]
        self._index = {o: i for i, o in enumerate(self._oids)}
        self._objects = frozenset(o[:-1] for o in self._oids)

    def get(self, oid: OID, ctx: Any) -> Value:
        i = self._index.get(oid)
        if i is not None:
            return self._getters[i](ctx)
        # An object that exists without this instance (sysUpTime.1) is noSuchInstance.
        return NO_SUCH_INSTANCE if oid[:-1] in self._objects else NO_SUCH_OBJECT

    def next(self, oid: OID, ctx: Any) -> tuple[OID, Value] | None:
        i = bisect_right(self._oids, oid)
        if i < len(self._oids):
            return self._oids[i], self._getters[i](ctx)
        return None

    def walk(self, oid: OID, ctx: Any, limit: int) -> list[tuple[OID, Value]]:
        i = bisect_right(self._oids, oid)
        return [(o, g(ctx)) for o, g in zip(self._oids[i:i + limit], self._getters[i:i + limit])]


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

    def walk(self, oid: OID, ctx: Any, limit: int) -> list[tuple[OID, Value]]:
        i = bisect_right(self._oids, oid)
        return list(zip(self._oids[i:i + limit], self._values[i:i + limit]))


Plan = tuple[tuple[tuple[Column, int, int, list[Any]], ...], OID | None]  # (column, rows, prepared)…, last
PLANS_MAX = 16384
_NO_PLAN: Any = object()


class View:
    """What one agent serves: subtrees in OID order.

    ``plan_key(ctx)``, when given, returns the shared :class:`RowSet` of the device the
    context is about: a walk that only crosses tables with those rows has the same shape
    on every device sharing them, so its plan (which column runs, which encoded OIDs) is
    computed once and only values are computed per request.
    """

    __slots__ = ("_parents", "_plan_key", "_plans", "_prefixes", "_subtrees", "request_plans")

    def __init__(self, subtrees: Sequence[Subtree], plan_key: Callable[[Any], RowSet] | None = None) -> None:
        self._subtrees = sorted(subtrees, key=lambda s: s.prefix)
        self._prefixes = [s.prefix for s in self._subtrees]
        # the nearest earlier subtree holding each one (-1: none), for views that nest
        self._parents = [next((j for j in range(i - 1, -1, -1) if p[:len(self._prefixes[j])] == self._prefixes[j]), -1)
                         for i, p in enumerate(self._prefixes)]
        self._plan_key = plan_key
        self._plans: dict[tuple[int, OID, int], Plan | None] = {}
        self.request_plans: dict[Any, Any] = {}  # for the command responder (GETBULK), bounded by it

    def _first(self, oid: OID) -> int:
        """The position of the first subtree that can hold instances after ``oid``: the
        outermost one holding ``oid``, else the first one after it."""
        prefixes, parents = self._prefixes, self._parents
        i = bisect_right(prefixes, oid) - 1
        found = j = i
        found += 1
        while j >= 0:
            p = prefixes[j]
            if oid[:len(p)] == p:
                found = j
            j = parents[j]
        return found

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
            got = st.walk(cur, ctx, limit - len(out))
            if got:
                out.extend(got)
                cur = got[-1][0]
                if len(out) >= limit:
                    break
        return out

    def walk_encoded(self, oid: OID, ctx: Any, limit: int) -> tuple[list[bytes], OID | None]:
        """:meth:`walk` as VarBind TLVs, and the OID of the last one (None when empty)."""
        plan = self.walk_plan(oid, ctx, limit)
        if plan is None:
            return self._walk_encoded(oid, ctx, limit)
        out: list[bytes] = []
        for column, start, stop, names in plan[0]:
            out += column.varbinds(ctx, start, stop, names)
        return out, plan[1]

    def plan_rows(self, ctx: Any) -> RowSet | None:
        """The shared rows that walk plans for this context are keyed on (None: no plans)."""
        if self._plan_key is None:
            return None
        rows = self._plan_key(ctx)
        return rows if rows.serial else None

    def walk_plan(self, oid: OID, ctx: Any, limit: int) -> Plan | None:
        """The shape of :meth:`walk_encoded` for this context (its column runs and the last
        OID), or None when the walk depends on more than the device's rows."""
        rows = self.plan_rows(ctx)
        if rows is None:
            return None
        key = (rows.serial, oid, limit)
        plan = self._plans.get(key, _NO_PLAN)
        if plan is _NO_PLAN:
            plan = self._plan(oid, ctx, limit, rows, key)
        return plan  # type: ignore[no-any-return]

    def _plan(self, oid: OID, ctx: Any, limit: int, rows: RowSet, key: tuple[int, OID, int]) -> Plan | None:
        """The shape of this walk if it only crosses tables whose rows are ``rows``."""
        runs: list[tuple[Column, int, int, list[Any]]] = []
        cur, last, left = oid, None, limit
        plan: Plan | None = None
        for st in self._subtrees[self._first(oid):]:
            if type(st) is not Table or st.rows(ctx) is not rows:
                break  # its instances depend on more than the rows: walk it every time
            for col, start, stop in st.runs(cur, rows, left):
                head = st.prefix + (col,)
                names = rows.oid_tlvs(head)
                assert names is not None
                column = st.column(col)
                runs.append((column, start, stop, column.prepare(names[start:stop])))
                left -= stop - start
                cur = last = head + rows[stop - 1]
            if left <= 0:
                plan = (tuple(runs), last)
                break
        else:
            plan = (tuple(runs), last)  # the end of the view
        if len(self._plans) >= PLANS_MAX:
            self._plans.clear()
        self._plans[key] = plan
        return plan

    def _walk_encoded(self, oid: OID, ctx: Any, limit: int) -> tuple[list[bytes], OID | None]:
        out: list[bytes] = []
        cur = oid
        last: OID | None = None
        subtrees = self._subtrees
        for i in range(self._first(oid), len(subtrees)):
            st = subtrees[i]
            if type(st) is Table:
                got, end = st.walk_encoded(cur, ctx, limit - len(out))
            else:
                found = st.walk(cur, ctx, limit - len(out))
                got, end = encode_varbind_tlvs(found), found[-1][0] if found else None
            if end is not None:
                out += got
                cur = last = end
                if len(out) >= limit:
                    break
        return out, last

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


__all__ = ["CellColumn", "Column", "RowSet", "Scalars", "Static", "Subtree", "Table", "View"]
