"""The virtual MIB and the command responder: GET/GETNEXT/GETBULK semantics."""

from __future__ import annotations

import pytest

from simulators.agent import GET, GETBULK, GETNEXT, SET, TOO_BIG, Answer, answer, encode_fitting
from simulators.mib import Scalars, Static, Table, View
from vigie.snmp.pdu import decode_message, encode_response
from vigie.snmp.types import END_OF_MIB_VIEW, NO_SUCH_INSTANCE, NO_SUCH_OBJECT, Counter64, VarBind

SYS = (1, 3, 6, 1, 2, 1, 1)
IFX = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)


def make_view(rows: list[tuple[int, ...]] | None = None) -> View:
    rows = rows if rows is not None else [(1,), (2,), (10,)]
    system = Scalars(SYS, {SYS + (1, 0): lambda t: b"descr", SYS + (3, 0): lambda t: int(t)})
    table = Table(IFX, (1, 6, 10), rows, lambda col, pos, t: Counter64(col * 1000 + pos))
    return View([table, system])


def all_oids(view: View) -> list[tuple[int, ...]]:
    out, oid = [], (0,)
    for _ in range(1000):
        found = view.next(oid, 5.0)
        if found is None:
            return out
        oid = found[0]
        out.append(oid)
    raise AssertionError("walk did not end")


def test_walk_is_in_strict_oid_order_and_complete() -> None:
    oids = all_oids(make_view())
    assert oids == sorted(oids) and len(set(oids)) == len(oids)
    assert oids[:2] == [SYS + (1, 0), SYS + (3, 0)]
    # column-major, rows in index order
    assert oids[2:5] == [IFX + (1, 1), IFX + (1, 2), IFX + (1, 10)]
    assert len(oids) == 2 + 3 * 3


def test_getnext_from_inside_gaps_and_prefixes() -> None:
    v = make_view()
    assert v.next(IFX + (1, 3), 0)[0] == IFX + (1, 10)  # type: ignore[index]
    assert v.next(IFX + (2,), 0)[0] == IFX + (6, 1)  # type: ignore[index]
    assert v.next(IFX, 0)[0] == IFX + (1, 1)  # type: ignore[index]
    assert v.next(IFX + (1, 10, 5), 0)[0] == IFX + (6, 1)  # type: ignore[index]
    assert v.next(IFX + (10, 10), 0) is None
    assert v.next((2,), 0) is None


def test_get_distinguishes_no_such_object_and_instance() -> None:
    v = make_view()
    assert v.get(SYS + (1, 0), 0) == b"descr"
    assert v.get(SYS + (1, 1), 0) is NO_SUCH_INSTANCE
    assert v.get(IFX + (6, 2), 0) == Counter64(6001)
    assert v.get(IFX + (6, 3), 0) is NO_SUCH_INSTANCE
    assert v.get(IFX + (7, 1), 0) is NO_SUCH_OBJECT
    assert v.get((1, 3, 6, 1, 4, 1, 9), 0) is NO_SUCH_OBJECT


def test_empty_and_dynamic_tables() -> None:
    rows: list[tuple[int, ...]] = []
    t = Table(IFX, (1,), lambda ctx: rows, lambda c, p, ctx: p)
    v = View([t])
    assert v.next((0,), 0) is None
    rows.append((4,))
    assert v.next((0,), 0) == (IFX + (1, 4), 0)


def test_static_view_from_recording() -> None:
    v = View([Static([((1, 3, 6, 1, 2), b"b"), ((1, 3, 6, 1, 1), b"a")])])
    assert v.next((1,), 0) == ((1, 3, 6, 1, 1), b"a")
    assert v.next((1, 3, 6, 1, 1), 0) == ((1, 3, 6, 1, 2), b"b")
    assert v.next((1, 3, 6, 1, 2), 0) is None


def test_getnext_past_the_end_is_end_of_mib_view() -> None:
    a = answer(make_view(), GETNEXT, (((9,), None),), 0, 0, 0)
    assert a is not None and a.varbinds == [((9,), END_OF_MIB_VIEW)]


def test_getbulk_repeats_columns_and_stops_at_end() -> None:
    v = make_view()
    a = answer(v, GETBULK, ((SYS, None), (IFX + (6,), None), (IFX + (10,), None)), 1, 5, 0)
    assert a is not None and a.error_status == 0
    vbs = a.varbinds
    assert vbs[0][0] == SYS + (1, 0)  # non-repeater
    reps = vbs[1:]
    assert [o for o, _ in reps[0::2][:3]] == [IFX + (6, 1), IFX + (6, 2), IFX + (6, 10)]
    assert [o for o, _ in reps[1::2][:3]] == [IFX + (10, 1), IFX + (10, 2), IFX + (10, 10)]
    # after the table, the second column ran off the end of the MIB
    assert reps[7] == (IFX + (10, 10), END_OF_MIB_VIEW)
    assert len(reps) == 10  # 5 repetitions × 2, stopping early is allowed only when all ended


def encode(varbinds: list[VarBind], status: int, index: int) -> bytes:
    return encode_response(1, b"public", 7, varbinds, status, index)


def test_getbulk_truncates_whole_repetitions_to_fit() -> None:
    rows = [(i,) for i in range(1, 200)]
    v = make_view(rows)
    a = answer(v, GETBULK, ((SYS, None), (IFX + (6,), None), (IFX + (10,), None)), 1, 150, 0)
    assert a is not None and a.error_status == 0 and len(a.varbinds) == 1 + 300
    data = encode_fitting(a, encode, 1500)
    assert len(data) <= 1500
    msg = decode_message(data)
    vbs = msg.pdu.varbinds  # type: ignore[union-attr]
    assert msg.pdu.error_status == 0  # type: ignore[union-attr]
    assert 20 < len(vbs) < 301 and (len(vbs) - 1) % 2 == 0  # the non-repeater and whole repetitions
    assert vbs[0][0] == SYS + (1, 0) and vbs[1][0] == IFX + (6, 1) and vbs[2][0] == IFX + (10, 1)
    # as many repetitions as fit: one more would not
    more = Answer(a.varbinds[: len(vbs) + 2], fixed=1, width=2)
    assert len(encode(more.varbinds, 0, 0)) > 1500


def test_get_too_big_and_set_refused() -> None:
    v = View([Scalars(SYS, {SYS + (1, 0): lambda t: b"x" * 2000})])
    a = answer(v, GET, ((SYS + (1, 0), None),), 0, 0, 0)
    assert a is not None
    msg = decode_message(encode_fitting(a, encode, 1500))
    assert msg.pdu.error_status == TOO_BIG and msg.pdu.varbinds == ()  # type: ignore[union-attr]
    s = answer(v, SET, ((SYS + (1, 0), b"y"),), 0, 0, 0)
    assert s is not None and s.error_status != 0 and s.error_index == 1


@pytest.mark.parametrize("pdu_type", [0xA2, 0xA7, 0xA8])
def test_non_requests_are_ignored(pdu_type: int) -> None:
    assert answer(make_view(), pdu_type, (), 0, 0, 0) is None
