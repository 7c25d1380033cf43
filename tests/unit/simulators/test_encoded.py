"""GETBULK's encoded fast path answers exactly what the generic path answers.

The farm answers from :meth:`View.walk_encoded` (column runs, shared encoded OIDs, cached
walk plans, fused counter encoders); :meth:`View.walk` and the codec's generic encoder
are the reference. Every start point of a device's MIB, with faults, several limits and
twice (the second time from the plan cache), must give the same bytes.
"""

from __future__ import annotations

import pytest

from simulators.agent import GET, GETBULK, GETNEXT, answer, answer_encoded, encode_fitting
from simulators.device import SimDevice
from simulators.faults import parse_scenario
from simulators.ifmib import VIEW
from simulators.mib import Scalars, Static, Table, View
from simulators.mibcol import RowSet, row_set
from simulators.responder import Responder
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline
from vigie.model import Inventory, Layer
from vigie.snmp.pdu import decode_message, encode_request, encode_response, encode_varbind_tlvs
from vigie.snmp.types import OID, Counter64, VarBind

START = 1_780_000_000.0
TIMES = (START + 120, START + 301, START + 86_400 * 3 + 0.5)


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return generate_rie(sites=30, seed=5, port=16100)


@pytest.fixture(scope="module")
def devices(inv: Inventory) -> list[SimDevice]:
    access = [lk for lk in inv.links.values() if lk.layer is Layer.ACCESS]
    a, b, c = access[:3]
    scen = (f'[[fault]]\nat = "100s"\nduration = "60s"\nkind = "link_down"\nlink = "{a.id}"\n'
            f'[[fault]]\nat = "100s"\nkind = "reboot"\ndevice = "{b.a.device}"\ndowntime = "30s"\n'
            f'[[fault]]\nat = "300s"\nkind = "counter_wrap"\ninterface = "{c.a.device}:{c.a.interface}"\n'
            'counter = 64\n')
    tl = FaultTimeline(parse_scenario(scen, inv), inv)
    names = [a.a.device, a.b.device, b.a.device, c.a.device]
    names += [next(d.name for d in inv.devices.values() if d.role.value == role) for role in ("core", "collect")]
    names += [d for d in list(inv.devices)[:4] if d not in names]
    return [SimDevice(inv, inv.devices[n], START, tl.boot_offsets(n), tl.oper_down_intervals(n), tl.counter_wraps(n))
            for n in names]


def start_points(view: View, ctx: object, most: int = 300) -> list[OID]:
    """Instances (all of them, or ``most`` spread over the view), plus column heads, gaps,
    prefixes and points past the end."""
    oids: list[OID] = [(0,), (1, 3, 6, 1, 2, 1, 2, 2, 1, 8), (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 9999),
                       (1, 3, 6, 1, 2, 1, 2, 2, 1, 23), (1, 3, 6, 1, 2, 1, 31), (1, 0, 8802, 1, 1, 2, 1, 3, 5),
                       (1, 0, 8802, 1, 1, 2, 1, 3, 8), (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 20), (2,)]
    oid: OID = (0,)
    instances: list[OID] = []
    for _ in range(20_000):
        found = view.next(oid, ctx)
        if found is None:
            every = max(len(instances) // most, 1)
            return oids + instances[::every] + instances[-3:]
        oid = found[0]
        instances.append(oid)
    raise AssertionError("unbounded walk")


def check_walks(view: View, ctx: object, limits: tuple[int, ...] = (1, 4, 10, 60)) -> int:
    points = start_points(view, ctx)
    checked = 0
    for _ in range(2):  # the second pass runs from cached plans
        for i, oid in enumerate(points):
            for m in limits:
                if m > 4 and i % 5:
                    continue
                expected = view.walk(oid, ctx, m)
                got, last = view.walk_encoded(oid, ctx, m)
                assert got == encode_varbind_tlvs(expected), (oid, m)
                assert last == (expected[-1][0] if expected else None), (oid, m)
                checked += 1
    return checked


def test_device_walks_encoded_match_generic(devices: list[SimDevice]) -> None:
    total = 0
    for dev in devices:
        for t in TIMES:
            total += check_walks(VIEW, dev.context(t))
    assert total > 5_000


def test_generic_views_nested_static_and_dynamic() -> None:
    sys_ = (1, 3, 6, 1, 2, 1, 1)
    ifx = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
    lldp = (1, 0, 8802, 1, 1, 2, 1, 3)
    rows: list[tuple[int, ...]] = [(1,), (2,), (10,), (1000,)]
    view = View([
        Scalars(sys_, {sys_ + (1, 0): lambda c: b"descr", sys_ + (3, 0): lambda c: 7}),
        Table(ifx, (1, 6, 10), rows, lambda col, pos, c: Counter64(col * 1000 + pos)),
        Scalars(lldp, {lldp + (1, 0): lambda c: 4, lldp + (2, 0): lambda c: b"x" * 300}),  # holds the next one
        Table(lldp + (7, 1), (2, 3), lambda c: [(0, 5, 1), (0, 6, 1)], lambda col, pos, c: b"p" * pos),
        Static([((1, 3, 6, 1, 4, 1, 9, 1), b"a"), ((1, 3, 6, 1, 4, 1, 9, 2), None)]),
    ])
    assert check_walks(view, None) > 50
    shared = row_set([(1,), (2,), (10,), (1000,)])
    assert isinstance(shared, RowSet) and shared.serial and row_set(list(shared)) is shared
    planned = View([Table(ifx, (1, 6, 10), lambda c: shared, lambda col, pos, c: col * pos)],
                   plan_key=lambda c: shared)
    assert check_walks(planned, None) > 20


def bulk(names: list[OID], non_repeaters: int, reps: int) -> tuple[VarBind, ...]:
    msg = decode_message(encode_request(1, b"public", GETBULK, 9, names, non_repeaters, reps))
    return msg.pdu.varbinds  # type: ignore[union-attr]


REQUESTS: list[tuple[int, list[OID], int, int]] = [
    (GETBULK, [(1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6), (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10),
               (1, 3, 6, 1, 2, 1, 2, 2, 1, 8), (1, 3, 6, 1, 2, 1, 2, 2, 1, 7),
               (1, 3, 6, 1, 2, 1, 2, 2, 1, 14), (1, 3, 6, 1, 2, 1, 2, 2, 1, 20)], 0, 10),
    (GETBULK, [(1, 3, 6, 1, 2, 1, 1, 3), (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 19, 5)], 1, 40),
    (GETBULK, [(1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18)], 0, 200),
    (GETBULK, [(1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 19, 2), (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 19)], 0, 120),  # both end
    (GETBULK, [(1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 19, 3)], 0, 1),
    (GETBULK, [(1, 0, 8802, 1, 1, 2, 1, 4)], 0, 30),
    (GET, [(1, 3, 6, 1, 2, 1, 1, 3, 0), (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 1), (1, 3, 6, 1, 2, 1, 2, 2, 1, 99, 1)],
     0, 0),
    (GETNEXT, [(1, 3, 6, 1, 2, 1, 2, 2, 1, 22), (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 19, 999)], 0, 0),
]


@pytest.mark.parametrize("max_size", [8192, 1400, 484])
def test_responses_match_generic_encoding(devices: list[SimDevice], max_size: int) -> None:
    responder = Responder(frozenset({b"public"}), max_size)
    for dev in devices[:8]:
        for t in TIMES:
            ctx = dev.context(t)
            for pdu_type, names, nr, reps in REQUESTS:
                req = encode_request(1, b"public", pdu_type, 77, names, nr, reps)
                varbinds = decode_message(req).pdu.varbinds  # type: ignore[union-attr]
                generic = answer(VIEW, pdu_type, varbinds, nr, reps, ctx)
                fast = answer_encoded(VIEW, pdu_type, varbinds, nr, reps, ctx)
                assert generic is not None and fast is not None
                assert fast.varbinds == encode_varbind_tlvs(generic.varbinds)
                assert (fast.fixed, fast.width) == (generic.fixed, generic.width)
                expected = encode_fitting(
                    generic, lambda v, s, i: encode_response(1, b"public", 77, v, s, i), max_size)
                assert responder.respond(req, dev, t) == expected
