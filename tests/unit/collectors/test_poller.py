"""The poller's walks and per-device cache, against in-memory agents (no sockets).

A :class:`FakeSession` stands in for :class:`collectors.snmp.session.Session`: each GETBULK
is answered by :func:`simulators.agent.answer` from a :class:`simulators.mib.View` (the
farm's command responder), then bent the way real agents bend: fewer rows than asked,
tooBig, answers cut in the middle of a row, OIDs going backwards. Every walk is bounded
by the poller itself (MAX_PDUS_PER_WALK) and by the test's timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from collectors.snmp.oidsets import DEFAULT
from collectors.snmp.poller import MAX_PDUS_PER_WALK, Poller, walk_columns
from collectors.snmp.session import Exchange, PollFailure
from collectors.snmp.targets import Credentials, Target
from simulators.agent import GETBULK, answer
from simulators.mib import Scalars, Static, Table, View
from vigie.observations import PollError
from vigie.snmp.pdu import Pdu
from vigie.snmp.types import (
    OID,
    RESPONSE,
    Counter32,
    Counter64,
    Gauge32,
    TimeTicks,
    Value,
    VarBind,
)

pytestmark = pytest.mark.timeout(30)

SYS = (1, 3, 6, 1, 2, 1, 1)
SYS_UPTIME = SYS + (3,)
IF = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IFX = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
IF_NAME = IFX + (1,)
IF_DESCR = IF + (2,)
HC_IN, HC_OUT, HIGH_SPEED = IFX + (6,), IFX + (10,), IFX + (15,)
IF_IN_OCTETS = IF + (10,)
IF_COLS = (2, 5, 7, 8, 10, 13, 14, 16, 19, 20)
TOO_BIG, GEN_ERR = 1, 5


# --- agents --------------------------------------------------------------------------------------


@dataclass
class Agent:
    """What the device serves, changeable between polls (reboot, renames, new ports)."""

    rows: list[int] = field(default_factory=lambda: [1, 2, 3, 4])
    uptime: int = 1_000_000
    names: Callable[[int], bytes] = lambda i: f"Gi0/{i}".encode()
    ifx: bool = True
    hc: bool = True

    def view(self) -> View:
        idx = [(i,) for i in self.rows]
        system = Scalars(SYS, {SYS + (1, 0): lambda c: b"descr", SYS_UPTIME + (0,): lambda c: TimeTicks(self.uptime),
                               SYS + (5, 0): lambda c: b"sysname"})

        def if_cell(col: int, pos: int, ctx: object) -> Value:
            i = idx[pos][0]
            cells: dict[int, Value] = {2: f"descr{i}".encode(), 5: Gauge32(100_000_000 * i), 7: 1, 8: 1,
                                       10: Counter32(10 * i), 13: 0, 14: i, 16: Counter32(20 * i), 19: 0, 20: 0}
            return cells[col]

        def ifx_cell(col: int, pos: int, ctx: object) -> Value:
            i = idx[pos][0]
            cells: dict[int, Value] = {1: self.names(i), 6: Counter64(10**12 * i), 10: Counter64(2 * 10**12 * i),
                                       15: Gauge32(1000 * i)}
            return cells[col]

        subtrees: list[Any] = [system, Table(IF, IF_COLS, idx, if_cell)]
        if self.ifx:
            subtrees.append(Table(IFX, (1, 6, 10, 15) if self.hc else (1, 15), idx, ifx_cell))
        return View(subtrees)


def static_view(items: Mapping[OID, Value], uptime: int = 5000) -> View:
    """Any (sparse) set of instances: a recorded walk."""
    return View([Static([(SYS_UPTIME + (0,), TimeTicks(uptime)), *items.items()])])


@dataclass
class FakeSession:
    """Session look-alike: GETBULK answered from a view, recorded, optionally bent."""

    target: Target
    view: Callable[[], View]
    max_rows: int | None = None  # the agent returns at most this many repetitions
    max_varbinds: int | None = None  # the agent cuts its answer there (mid-row)
    too_big_over: int | None = None  # tooBig when asked for more varbinds (request size)
    error_status: int = 0
    bend: Callable[[list[VarBind], int], list[VarBind]] | None = None  # (varbinds, request number)
    requests: list[tuple[tuple[OID, ...], int, int]] = field(default_factory=list)
    pdus: int = 0
    retries: int = 0

    async def bulk(self, names: Sequence[OID], non_repeaters: int, max_repetitions: int) -> Exchange:
        self.requests.append((tuple(names), non_repeaters, max_repetitions))
        self.pdus += 1
        await asyncio.sleep(0)
        if self.error_status:
            return Exchange(Pdu(RESPONSE, 1, self.error_status, 1, ()), 0.001)
        width = len(names) - non_repeaters
        if self.too_big_over is not None and non_repeaters + width * max_repetitions > self.too_big_over:
            return Exchange(Pdu(RESPONSE, 1, TOO_BIG, 0, ()), 0.001)
        reps = min(max_repetitions, self.max_rows) if self.max_rows else max_repetitions
        ans = answer(self.view(), GETBULK, tuple((n, None) for n in names), non_repeaters, reps, 0.0)
        assert ans is not None
        vbs = list(ans.varbinds)
        if self.max_varbinds is not None:
            vbs = vbs[: self.max_varbinds]
        if self.bend is not None:
            vbs = self.bend(vbs, len(self.requests))
        return Exchange(Pdu(RESPONSE, 1, 0, 0, tuple(vbs)), 0.001)

    def columns_asked(self, n: int) -> set[OID]:
        names, nr, _ = self.requests[n]
        return set(names[nr:])


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make_target(name: str = "R1", max_repetitions: int = 25) -> Target:
    return Target(name, "", "127.0.0.1", 161, Credentials("2c", community=b"public"), 1.0, 1, max_repetitions)


def make_poller(session_kw: Mapping[str, Any], agent: Agent | None = None, clock: Clock | None = None,
                view: Callable[[], View] | None = None, **poller_kw: Any) -> tuple[Poller, FakeSession, Target]:
    tgt = make_target()
    poller = Poller(None, wall=clock or Clock(), **poller_kw)  # type: ignore[arg-type]
    assert view is not None or agent is not None
    session = FakeSession(tgt, view or agent.view, **session_kw)  # type: ignore[union-attr]
    poller.sessions[tgt.device] = session  # type: ignore[assignment]
    return poller, session, tgt


def columns(*fields: str) -> dict[str, OID]:
    return {f: DEFAULT.columns[f] for f in fields}


# --- walks ---------------------------------------------------------------------------------------


async def test_walk_reads_every_column_side_by_side_with_uptime() -> None:
    agent = Agent(rows=list(range(1, 8)))
    session = FakeSession(make_target(), agent.view)
    walk = await walk_columns(session, {**DEFAULT.columns, "name": IF_NAME}, 25, True)  # type: ignore[arg-type]
    assert walk.uptime == 1_000_000 and walk.uptime_at is not None and not walk.partial
    assert walk.values["name"] == {(i,): f"Gi0/{i}".encode() for i in range(1, 8)}
    assert walk.values["in_octets"] == {(i,): 10**12 * i for i in range(1, 8)}
    assert all(len(v) == 7 for v in walk.values.values())
    assert len(session.requests) == 1  # 7 rows fit in one GETBULK of 25 repetitions
    names, nr, reps = session.requests[0]
    assert nr == 1 and names[0] == SYS_UPTIME and reps == 25


async def test_walk_agent_returning_fewer_rows_than_asked() -> None:
    agent = Agent(rows=list(range(1, 11)))
    session = FakeSession(make_target(), agent.view, max_rows=3)
    walk = await walk_columns(session, columns("in_octets", "oper_status", "speed_mbps"), 25, True)  # type: ignore[arg-type]
    assert walk.values["in_octets"] == {(i,): 10**12 * i for i in range(1, 11)}
    assert walk.values["oper_status"] == {(i,): 1 for i in range(1, 11)}
    assert not walk.partial
    assert walk.rows_per_pdu == 3  # learnt: this agent sends 3 rows whatever we ask
    assert len(session.requests) == 4  # 3 + 3 + 3 + 1 (the last one also leaves the columns)


async def test_walk_answer_cut_in_the_middle_of_a_row() -> None:
    """snmpsim caps GETBULK answers at 64 varbinds whatever the row width: the last row is
    incomplete, and each column resumes from its own last OID."""
    agent = Agent(rows=list(range(1, 31)))
    session = FakeSession(make_target(), agent.view, max_varbinds=64)
    cols = {**DEFAULT.columns, "name": IF_NAME}
    walk = await walk_columns(session, cols, 25, True)  # type: ignore[arg-type]
    assert not walk.partial
    for name in cols:
        assert sorted(walk.values[name]) == [(i,) for i in range(1, 31)], name
    assert walk.values["name"][(30,)] == b"Gi0/30"


async def test_walk_sparse_columns_with_different_row_sets() -> None:
    items: dict[OID, Value] = {}
    for i in (1, 2, 3, 5, 8):
        items[IF + (8, i)] = 1 if i != 5 else 2
    for i in (2, 5, 13):
        items[HC_IN + (i,)] = Counter64(100 + i)
    for i in (1, 8, 13):
        items[IF_NAME + (i,)] = f"if{i}".encode()
    session = FakeSession(make_target(), lambda: static_view(items))
    walk = await walk_columns(session, {"oper_status": IF + (8,), "in_octets": HC_IN, "name": IF_NAME}, 2, True)  # type: ignore[arg-type]
    assert walk.values["oper_status"] == {(1,): 1, (2,): 1, (3,): 1, (5,): 2, (8,): 1}
    assert walk.values["in_octets"] == {(2,): 102, (5,): 105, (13,): 113}
    assert walk.values["name"] == {(1,): b"if1", (8,): b"if8", (13,): b"if13"}
    assert not walk.partial


async def test_walk_column_ending_before_the_others() -> None:
    items: dict[OID, Value] = {IF + (8, i): 1 for i in range(1, 9)}
    items.update({HIGH_SPEED + (i,): Gauge32(10) for i in (1, 2)})  # two rows only, then the MIB ends
    session = FakeSession(make_target(), lambda: static_view(items))
    walk = await walk_columns(session, {"oper_status": IF + (8,), "speed_mbps": HIGH_SPEED}, 3, True)  # type: ignore[arg-type]
    assert sorted(walk.values["oper_status"]) == [(i,) for i in range(1, 9)]
    assert walk.values["speed_mbps"] == {(1,): 10, (2,): 10}
    assert not walk.partial
    # once ended, the column is not asked again
    assert all(len(names) - nr == 1 for names, nr, _ in session.requests[1:])


async def test_walk_end_of_mib_view_ends_the_column() -> None:
    items: dict[OID, Value] = {IF_NAME + (i,): b"x" for i in (1, 2)}
    session = FakeSession(make_target(), lambda: static_view(items))
    walk = await walk_columns(session, {"name": IF_NAME}, 10, False)  # type: ignore[arg-type]
    assert walk.values["name"] == {(1,): b"x", (2,): b"x"} and not walk.partial
    assert len(session.requests) == 1


async def test_walk_too_big_is_retried_with_fewer_repetitions() -> None:
    agent = Agent(rows=list(range(1, 21)))
    session = FakeSession(make_target(), agent.view, too_big_over=45)
    cols = columns("in_octets", "out_octets", "oper_status", "admin_status", "in_errors")
    walk = await walk_columns(session, cols, 25, True)  # type: ignore[arg-type]
    reps = [r for _, _, r in session.requests]
    assert reps[:3] == [25, 12, 6]  # 126 and 61 varbinds refused, 31 accepted
    assert all(r == 6 for r in reps[3:])
    assert all(1 + 5 * r <= 45 or n < 2 for n, r in enumerate(reps))
    assert walk.rows_per_pdu == 6
    for name in cols:
        assert sorted(walk.values[name]) == [(i,) for i in range(1, 21)], name
    assert walk.uptime == 1_000_000


async def test_walk_too_big_at_one_row_is_an_agent_error() -> None:
    session = FakeSession(make_target(), Agent().view, too_big_over=1)
    with pytest.raises(PollFailure) as info:
        await walk_columns(session, columns("in_octets", "oper_status"), 8, True)  # type: ignore[arg-type]
    assert info.value.cause is PollError.AGENT_ERROR
    assert "error-status 1" in info.value.detail
    assert [r for _, _, r in session.requests] == [8, 4, 2, 1]


async def test_walk_agent_going_backwards_does_not_loop() -> None:
    """From its third answer on, the agent answers the first rows again, forever."""
    agent = Agent(rows=list(range(1, 50)))
    first_answers: list[list[VarBind]] = []

    def backwards(vbs: list[VarBind], n: int) -> list[VarBind]:
        if n <= 2:
            first_answers.append(vbs)
            return vbs
        return first_answers[0][1:]  # the rows of answer 1 (without sysUpTime): behind the cursors

    session = FakeSession(make_target(), agent.view, max_rows=4, bend=backwards)
    walk = await walk_columns(session, columns("in_octets", "oper_status"), 4, True)  # type: ignore[arg-type]
    assert walk.partial
    assert len(session.requests) == 3
    assert sorted(walk.values["in_octets"]) == [(i,) for i in range(1, 9)]  # what came before is kept


async def test_walk_agent_repeating_the_same_oid_does_not_loop() -> None:
    def stuck(vbs: list[VarBind], n: int) -> list[VarBind]:
        return [(HC_IN + (1,), Counter64(1))] * len(vbs)

    session = FakeSession(make_target(), Agent().view, bend=stuck)
    walk = await walk_columns(session, columns("in_octets"), 5, False)  # type: ignore[arg-type]
    assert walk.values["in_octets"] == {(1,): 1}
    assert walk.partial and len(session.requests) == 1


class Endless:
    """A column whose every instance has a successor: a broken agent's infinite table."""

    prefix: OID = HC_IN

    def get(self, oid: OID, ctx: Any) -> Value:
        return Counter64(oid[-1])

    def next(self, oid: OID, ctx: Any) -> tuple[OID, Value] | None:
        n = oid[len(HC_IN)] + 1 if len(oid) > len(HC_IN) else 1
        return HC_IN + (n,), Counter64(n)

    def walk(self, oid: OID, ctx: Any, limit: int) -> list[tuple[OID, Value]]:
        out: list[tuple[OID, Value]] = []
        for _ in range(limit):
            found = self.next(out[-1][0] if out else oid, ctx)
            assert found is not None
            out.append(found)
        return out


async def test_walk_of_an_endless_table_is_bounded() -> None:
    session = FakeSession(make_target(), lambda: View([Endless()]))
    walk = await walk_columns(session, columns("in_octets"), 2, False)  # type: ignore[arg-type]
    assert walk.partial
    assert len(session.requests) == MAX_PDUS_PER_WALK
    assert len(walk.values["in_octets"]) == 2 * MAX_PDUS_PER_WALK


async def test_walk_ignores_a_non_timeticks_uptime() -> None:
    items: dict[OID, Value] = {IF_NAME + (1,): b"x"}
    view = View([Static([(SYS_UPTIME + (0,), b"not ticks"), *items.items()])])
    session = FakeSession(make_target(), lambda: view)
    walk = await walk_columns(session, {"name": IF_NAME}, 5, True)  # type: ignore[arg-type]
    assert walk.uptime is None and walk.values["name"] == {(1,): b"x"}


# --- poller: results and tuning ------------------------------------------------------------------


async def test_poll_result_and_max_repetitions_tuned_per_device() -> None:
    agent = Agent(rows=[1, 2, 3, 4])
    poller, session, tgt = make_poller({}, agent)
    first = await poller.poll(tgt)
    assert first.ok and first.pdus == 1 and first.sys_uptime == 1_000_000
    assert [i.if_index for i in first.interfaces] == [1, 2, 3, 4]
    cache = poller.caches["R1"]
    assert cache.rows == 4 and cache.reps == 5 and cache.has_hc is True
    second = await poller.poll(tgt)
    assert second.ok and second.pdus == 1
    assert session.requests[-1][2] == 5  # asks for just the table, plus one row to see its end


async def test_poll_learns_an_agent_that_sends_fewer_rows() -> None:
    agent = Agent(rows=list(range(1, 13)))
    poller, session, tgt = make_poller({"max_rows": 4}, agent)
    first = await poller.poll(tgt)
    assert first.ok and len(first.interfaces) == 12
    assert poller.caches["R1"].agent_cap == 4 and poller.caches["R1"].reps == 4
    n = len(session.requests)
    second = await poller.poll(tgt)
    assert second.ok and len(second.interfaces) == 12
    assert all(r == 4 for _, _, r in session.requests[n:])


async def test_poll_agent_error_is_a_result() -> None:
    poller, _, tgt = make_poller({"error_status": GEN_ERR}, Agent())
    poll = await poller.poll(tgt)
    assert poll.error is PollError.AGENT_ERROR and "error-status 5" in poll.detail and poll.reachable


async def test_poll_agent_with_nothing_is_no_data() -> None:
    poller, _, tgt = make_poller({}, view=lambda: View([]))
    poll = await poller.poll(tgt)
    assert poll.error is PollError.NO_DATA and poll.reachable and "no sysUpTime" in poll.detail


async def test_poll_extra_columns_from_configuration() -> None:
    alias = IFX + (18,)
    items: dict[OID, Value] = {IF + (8, 1): 1, IF + (8, 2): 2, alias + (1,): b"uplink", alias + (2,): b""}
    poller, _, tgt = make_poller({}, view=lambda: static_view(items),
                                 extra_columns={"alias": "1.3.6.1.2.1.31.1.1.1.18"})
    poll = await poller.poll(tgt)
    assert poll.ok
    assert poll.extra == {"alias": {(1,): b"uplink", (2,): b""}}
    assert [(i.if_index, i.oper_status) for i in poll.interfaces] == [(1, 1), (2, 2)]


async def test_poll_partial_when_the_agent_goes_backwards() -> None:
    agent = Agent(rows=list(range(1, 40)))

    def backwards(vbs: list[VarBind], n: int) -> list[VarBind]:
        return vbs if n == 1 else [(IF + (7, 1), 1)] * len(vbs)  # back to the first row

    poller, _, tgt = make_poller({"max_rows": 3, "bend": backwards}, agent)
    poll = await poller.poll(tgt)
    assert poll.ok and poll.partial
    assert [i.if_index for i in poll.interfaces] == [1, 2, 3]


# --- poller: the ifIndex -> ifName cache --------------------------------------------------------


async def test_if_name_walked_on_first_poll_only() -> None:
    agent = Agent(rows=[1, 2, 3])
    clock = Clock()
    poller, session, tgt = make_poller({}, agent, clock)
    first = await poller.poll(tgt)
    assert IF_NAME in session.columns_asked(0)
    for _ in range(3):
        clock.t += 60
        agent.uptime += 6000
        n_req = len(session.requests)
        poll = await poller.poll(tgt)
        assert poll.ok
        assert all(IF_NAME not in session.columns_asked(k) for k in range(n_req, len(session.requests)))
        assert [i.name for i in poll.interfaces] == ["Gi0/1", "Gi0/2", "Gi0/3"]
    assert [i.name for i in first.interfaces] == ["Gi0/1", "Gi0/2", "Gi0/3"]


async def test_if_names_refreshed_after_a_restart() -> None:
    """sysUpTime goes down: the agent restarted and may have renumbered its interfaces. The
    poller never reports the old names for the new indexes, and walks ifName again."""
    agent = Agent(rows=[1, 2, 3])
    clock = Clock()
    poller, session, tgt = make_poller({}, agent, clock)
    assert [i.name for i in (await poller.poll(tgt)).interfaces] == ["Gi0/1", "Gi0/2", "Gi0/3"]
    clock.t += 60
    agent.uptime = 1500  # rebooted 15 s ago
    agent.names = lambda i: f"Te1/{i}".encode()
    n_req = len(session.requests)
    after = await poller.poll(tgt)
    assert after.ok and after.sys_uptime == 1500
    assert all(i.name in (None, f"Te1/{i.if_index}") for i in after.interfaces), after.interfaces
    clock.t += 60
    agent.uptime += 6000
    nxt = await poller.poll(tgt)
    asked = set().union(*(session.columns_asked(k) for k in range(n_req, len(session.requests))))
    assert IF_NAME in asked
    assert [i.name for i in nxt.interfaces] == ["Te1/1", "Te1/2", "Te1/3"]
    assert poller.caches["R1"].names == {1: "Te1/1", 2: "Te1/2", 3: "Te1/3"}


async def test_sysuptime_wrap_after_497_days_is_not_a_restart() -> None:
    agent = Agent(rows=[1, 2], uptime=(1 << 32) - 1000)
    clock = Clock()
    poller, session, tgt = make_poller({}, agent, clock)
    assert (await poller.poll(tgt)).ok
    clock.t += 60
    agent.uptime = 5000  # 2**32 - 1000 + 6000, modulo 2**32
    n_req = len(session.requests)
    poll = await poller.poll(tgt)
    assert poll.ok and [i.name for i in poll.interfaces] == ["Gi0/1", "Gi0/2"]
    assert poller.caches["R1"].names is not None
    clock.t += 60
    agent.uptime += 6000
    await poller.poll(tgt)
    assert all(IF_NAME not in session.columns_asked(k) for k in range(n_req, len(session.requests)))



async def test_restart_seen_when_uptime_is_far_below_expected_even_if_it_grew() -> None:
    """Uptime 1,000 ticks, then 300 s later 2,000 ticks (30,000+ expected): the agent
    restarted in between although its uptime grew; names must be read again."""
    agent = Agent(rows=[1, 2], uptime=1000)
    clock = Clock()
    poller, session, tgt = make_poller({}, agent, clock)
    assert (await poller.poll(tgt)).ok
    clock.t += 300
    agent.uptime = 2000
    agent.names = lambda i: f"Xe{i}".encode()
    after = await poller.poll(tgt)
    assert all(i.name is None for i in after.interfaces), after.interfaces  # never the old names
    clock.t += 60
    agent.uptime += 6000
    n_req = len(session.requests)
    nxt = await poller.poll(tgt)
    assert IF_NAME in set().union(*(session.columns_asked(k) for k in range(n_req, len(session.requests))))
    assert [i.name for i in nxt.interfaces] == ["Xe1", "Xe2"]


async def test_new_interfaces_trigger_a_name_refresh() -> None:
    agent = Agent(rows=[1, 2])
    clock = Clock()
    poller, session, tgt = make_poller({}, agent, clock)
    await poller.poll(tgt)
    clock.t += 60
    agent.uptime += 6000
    agent.rows = [1, 2, 3]
    await poller.poll(tgt)
    clock.t += 60
    agent.uptime += 6000
    n_req = len(session.requests)
    poll = await poller.poll(tgt)
    assert IF_NAME in set().union(*(session.columns_asked(k) for k in range(n_req, len(session.requests))))
    assert [i.name for i in poll.interfaces] == ["Gi0/1", "Gi0/2", "Gi0/3"]


async def test_counter32_fallback_for_an_agent_without_ifxtable() -> None:
    agent = Agent(rows=[1, 2, 3], ifx=False)
    clock = Clock()
    poller, session, tgt = make_poller({}, agent, clock)
    first = await poller.poll(tgt)
    assert first.ok and poller.caches["R1"].has_hc is False and poller.caches["R1"].has_ifname is False
    assert [(i.counter_bits, i.in_octets, i.out_octets, i.speed_mbps) for i in first.interfaces] == [
        (32, 10, 20, 100), (32, 20, 40, 200), (32, 30, 60, 300)]
    assert [i.name for i in first.interfaces] == ["descr1", "descr2", "descr3"]  # ifDescr without ifName
    clock.t += 60
    agent.uptime += 6000
    n_req = len(session.requests)
    second = await poller.poll(tgt)
    assert second.ok and second.pdus == 1  # the Counter32 columns are walked directly now
    asked = session.columns_asked(n_req)
    assert IF_IN_OCTETS in asked and IF_NAME not in asked and IF_DESCR not in asked
    assert [i.in_octets for i in second.interfaces] == [10, 20, 30]


async def test_counter32_fallback_names_survive_a_restart() -> None:
    """Without ifXTable there is no ifName: after a restart the names come from ifDescr again."""
    agent = Agent(rows=[1, 2], ifx=False)
    clock = Clock()
    poller, session, tgt = make_poller({}, agent, clock)
    await poller.poll(tgt)
    clock.t += 60
    agent.uptime = 100  # restarted
    await poller.poll(tgt)
    clock.t += 60
    agent.uptime += 6000
    n_req = len(session.requests)
    poll = await poller.poll(tgt)
    assert [i.name for i in poll.interfaces] == ["descr1", "descr2"]
    asked = set().union(*(session.columns_asked(k) for k in range(n_req, len(session.requests))))
    assert IF_DESCR in asked and IF_NAME not in asked
    clock.t += 60
    agent.uptime += 6000
    n_req = len(session.requests)
    await poller.poll(tgt)
    asked = set().union(*(session.columns_asked(k) for k in range(n_req, len(session.requests))))
    assert IF_DESCR not in asked and IF_NAME not in asked  # cached again


async def test_fallback_keeps_if_name_when_the_agent_has_it() -> None:
    """An agent with ifXTable (ifName, ifHighSpeed) but no HC counters: Counter32 octets,
    names from ifName, speed from ifHighSpeed."""
    agent = Agent(rows=[1, 2], hc=False)
    poller, _, tgt = make_poller({}, agent)
    poll = await poller.poll(tgt)
    assert poll.ok and poller.caches["R1"].has_hc is False and poller.caches["R1"].has_ifname is True
    assert [(i.name, i.counter_bits, i.in_octets, i.speed_mbps) for i in poll.interfaces] == [
        ("Gi0/1", 32, 10, 1000), ("Gi0/2", 32, 20, 2000)]
