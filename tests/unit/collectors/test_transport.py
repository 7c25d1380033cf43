"""The asyncio SNMP transport and a device poll through it, against in-process fake agents.

Each fake agent is an asyncio UDP endpoint on 127.0.0.1 (random port) answering from a
:class:`simulators.mib.View` through :func:`simulators.agent.answer` and Vigie's codec,
and misbehaving on demand: dropping, delaying, duplicating, answering garbage, answering
from another socket. Every wait is bounded; timeouts are tens of milliseconds.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace

import pytest

from collectors.snmp.poller import Poller
from collectors.snmp.session import PollFailure, Session
from collectors.snmp.targets import Credentials, Target
from collectors.snmp.transport import ID_MODULUS, RequestTimeout, SnmpTransport
from simulators.agent import answer, encode_fitting
from simulators.mib import Scalars, Table, View
from simulators.v3agent import V3Engine
from vigie.observations import PollError
from vigie.snmp.errors import SnmpError
from vigie.snmp.pdu import CommunityMessage, Pdu, decode_message, encode_request, encode_response
from vigie.snmp.types import Counter32, Counter64, Gauge32, TimeTicks, Value, VarBind
from vigie.snmp.users import user_for

pytestmark = pytest.mark.timeout(30)

SYS = (1, 3, 6, 1, 2, 1, 1)
IF = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IFX = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
SYS_UPTIME_0 = SYS + (3, 0)
SYS_NAME_0 = SYS + (5, 0)
GET, GETBULK = 0xA0, 0xA5
V3_AUTH, V3_PRIV = "unit-auth-passphrase", "unit-priv-passphrase"


def router_view(rows: int = 4, uptime: int = 123_456) -> View:
    """System group + ifTable + ifXTable of a small router."""
    system = Scalars(SYS, {SYS + (1, 0): lambda ctx: b"fake router", SYS_UPTIME_0: lambda ctx: TimeTicks(uptime),
                           SYS_NAME_0: lambda ctx: b"fake-r1"})
    idx = [(i,) for i in range(1, rows + 1)]

    def if_cell(col: int, pos: int, ctx: object) -> Value:
        i = pos + 1
        cells: dict[int, Value] = {5: Gauge32(1_000_000_000), 7: 1, 8: 1 if i % 2 else 2, 10: Counter32(1000 * i),
                                   13: 0, 14: i, 16: Counter32(2000 * i), 19: 0, 20: 2 * i, 2: f"descr{i}".encode()}
        return cells[col]

    def ifx_cell(col: int, pos: int, ctx: object) -> Value:
        i = pos + 1
        cells: dict[int, Value] = {1: f"Gi0/{i}".encode(), 6: Counter64(10**12 + i), 10: Counter64(2 * 10**12 + i),
                                   15: Gauge32(1000)}
        return cells[col]

    return View([system, Table(IF, (2, 5, 7, 8, 10, 13, 14, 16, 19, 20), idx, if_cell),
                 Table(IFX, (1, 6, 10, 15), idx, ifx_cell)])


@dataclass
class FakeAgent(asyncio.DatagramProtocol):
    """A v2c (and optionally v3) agent on 127.0.0.1 with scriptable faults."""

    view: View
    community: bytes = b"public"
    v3: V3Engine | None = None
    drop_first: int = 0  # requests silently dropped before answering
    silent: bool = False
    delay_s: float = 0.0
    duplicate: int = 0  # extra copies of each answer
    garbage: bool = False
    mutate_rid: Callable[[int], int] | None = None
    reply_via: asyncio.DatagramTransport | None = None  # answer from this other socket instead
    received: list[tuple[float, bytes]] = field(default_factory=list)
    transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    @property
    def address(self) -> tuple[str, int]:
        assert self.transport is not None
        addr = self.transport.get_extra_info("sockname")
        return addr[0], addr[1]

    def request_ids(self) -> list[int]:
        out = []
        for _, data in self.received:
            msg = decode_message(data)
            out.append(msg.pdu.request_id if isinstance(msg, CommunityMessage) else msg.msg_id)
        return out

    def reply(self, data: bytes) -> bytes | None:
        msg = decode_message(data)
        if not isinstance(msg, CommunityMessage):
            assert self.v3 is not None, "v3 request to a v2c-only fake agent"
            return self.v3.handle(msg, self.view, time.time(), False, None, 8192)
        if msg.community != self.community:
            return None
        pdu = msg.pdu
        ans = answer(self.view, pdu.type, pdu.varbinds, pdu.error_status, pdu.error_index, 0.0)
        assert ans is not None
        rid = self.mutate_rid(pdu.request_id) if self.mutate_rid else pdu.request_id

        def encode(vbs: list[VarBind], status: int, index: int) -> bytes:
            return encode_response(1, msg.community, rid, vbs, status, index)

        return encode_fitting(ans, encode, 8192)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.append((time.monotonic(), data))
        if self.silent or len(self.received) <= self.drop_first:
            return
        out = self.reply(data)
        if out is None:
            return
        if self.garbage:
            out = random.Random(len(self.received)).randbytes(len(out))
        sender = self.reply_via or self.transport
        assert sender is not None
        loop = asyncio.get_running_loop()
        for _ in range(1 + self.duplicate):
            if self.delay_s:
                loop.call_later(self.delay_s, sender.sendto, out, addr)
            else:
                sender.sendto(out, addr)


async def start_agent(**kw: object) -> FakeAgent:
    loop = asyncio.get_running_loop()
    view = kw.pop("view", None) or router_view()
    _, proto = await loop.create_datagram_endpoint(lambda: FakeAgent(view, **kw),  # type: ignore[arg-type]
                                                   local_addr=("127.0.0.1", 0))
    return proto


@pytest.fixture
async def transport() -> AsyncIterator[SnmpTransport]:
    t = await SnmpTransport.open(rcvbuf=256 * 1024)
    try:
        yield t
    finally:
        t.close()


@pytest.fixture
async def agents() -> AsyncIterator[list[FakeAgent]]:
    started: list[FakeAgent] = []
    try:
        yield started
    finally:
        for a in started:
            if a.transport is not None:
                a.transport.close()


def target(agent: FakeAgent, name: str = "R1", timeout_s: float = 0.05, retries: int = 1,
           community: bytes = b"public") -> Target:
    host, port = agent.address
    return Target(name, "", host, port, Credentials("2c", community=community), timeout_s, retries, 25)


def get_sysname(t: SnmpTransport, rid: int, community: bytes = b"public") -> bytes:
    return encode_request(1, community, GET, rid, [SYS_NAME_0])


async def wait_for(cond: Callable[[], bool], timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


# --- matching ---------------------------------------------------------------------------------


async def test_answers_matched_by_id_and_source(transport: SnmpTransport, agents: list[FakeAgent]) -> None:
    slow = await start_agent(delay_s=0.08, view=router_view(uptime=1))
    fast = await start_agent(view=router_view(uptime=2))
    agents += [slow, fast]
    ids = [transport.new_id() for _ in range(2)]
    names = [SYS_UPTIME_0]
    reqs = [transport.request(a.address, encode_request(1, b"public", GET, i, names), i, 1.0, 0)
            for a, i in zip((slow, fast), ids)]
    (m_slow, n_slow), (m_fast, n_fast) = await asyncio.gather(*reqs)  # the fast one answers first
    assert isinstance(m_slow, CommunityMessage) and isinstance(m_fast, CommunityMessage)
    assert (m_slow.pdu.request_id, m_slow.pdu.varbinds[0][1]) == (ids[0], 1)
    assert (m_fast.pdu.request_id, m_fast.pdu.varbinds[0][1]) == (ids[1], 2)
    assert n_slow == n_fast == 1
    assert transport.stats.matched == 2 and transport.stats.sent == 2
    assert transport.pending == {}


async def test_duplicate_answers_are_dropped_and_counted(transport: SnmpTransport, agents: list[FakeAgent]) -> None:
    agent = await start_agent(duplicate=2)
    agents.append(agent)
    rid = transport.new_id()
    msg, attempts = await transport.request(agent.address, get_sysname(transport, rid), rid, 1.0, 0)
    assert isinstance(msg, CommunityMessage) and msg.pdu.varbinds[0][1] == b"fake-r1" and attempts == 1
    await wait_for(lambda: transport.stats.received == 3)
    assert transport.stats.matched == 1
    assert transport.stats.late_or_duplicate == 2
    assert transport.pending == {}


async def test_late_answer_after_timeout_is_dropped_and_counted(transport: SnmpTransport,
                                                              agents: list[FakeAgent]) -> None:
    agent = await start_agent(delay_s=0.15)
    agents.append(agent)
    rid = transport.new_id()
    started = time.monotonic()
    with pytest.raises(RequestTimeout, match="no answer after 1 attempt"):
        await transport.request(agent.address, get_sysname(transport, rid), rid, 0.03, 0)
    assert time.monotonic() - started < 0.12
    assert rid not in transport.pending
    await wait_for(lambda: transport.stats.received == 1)
    assert transport.stats.matched == 0 and transport.stats.late_or_duplicate == 1


async def test_answer_from_another_address_is_ignored(transport: SnmpTransport, agents: list[FakeAgent]) -> None:
    """An answer with the right ID from the wrong address is not taken; the real one still is."""
    impostor = await start_agent(silent=True)
    agent = await start_agent()
    agents += [impostor, agent]
    rid = transport.new_id()
    spoof = encode_response(1, b"public", rid, [(SYS_NAME_0, b"spoofed")])
    task = asyncio.create_task(transport.request(agent.address, get_sysname(transport, rid), rid, 1.0, 0))
    # the impostor answers first, with the awaited ID, before the request is even sent
    await asyncio.sleep(0)
    assert impostor.transport is not None
    impostor.transport.sendto(spoof, transport.local_address)
    msg, _ = await task
    assert isinstance(msg, CommunityMessage) and msg.pdu.varbinds[0][1] == b"fake-r1"
    await wait_for(lambda: transport.stats.received == 2)
    assert transport.stats.wrong_source == 1 and transport.stats.matched == 1


async def test_answer_from_another_socket_of_the_same_host_is_a_timeout(transport: SnmpTransport,
                                                                      agents: list[FakeAgent]) -> None:
    """An agent that answers from another port than the one asked (a NAT, a multi-homed
    agent) is not taken for an answer: matching is by address *and* port."""
    other = await start_agent(silent=True)
    agent = await start_agent()
    agents += [other, agent]
    agent.reply_via = other.transport
    poller = Poller(transport)
    poll = await poller.poll(target(agent, retries=1))
    assert poll.error is PollError.TIMEOUT, poll
    assert transport.stats.wrong_source == 2 and transport.stats.matched == 0


# --- retries and timeouts --------------------------------------------------------------------


async def test_retries_reuse_the_same_id_then_answer(transport: SnmpTransport, agents: list[FakeAgent]) -> None:
    agent = await start_agent(drop_first=2)
    agents.append(agent)
    rid = transport.new_id()
    msg, attempts = await transport.request(agent.address, get_sysname(transport, rid), rid, 0.03, 3)
    assert isinstance(msg, CommunityMessage) and msg.pdu.request_id == rid
    assert attempts == 3
    assert agent.request_ids() == [rid, rid, rid]
    assert transport.stats.sent == 3


async def test_retries_exhausted_is_a_timeout_with_backoff(transport: SnmpTransport, agents: list[FakeAgent]) -> None:
    agent = await start_agent(silent=True)
    agents.append(agent)
    rid = transport.new_id()
    started = time.monotonic()
    with pytest.raises(RequestTimeout, match="no answer after 3 attempt"):
        await transport.request(agent.address, get_sysname(transport, rid), rid, 0.04, 2, backoff=2.0)
    elapsed = time.monotonic() - started
    assert 0.04 + 0.08 + 0.16 - 0.01 <= elapsed < 1.0
    await wait_for(lambda: len(agent.received) == 3)
    assert agent.request_ids() == [rid] * 3
    t = [at for at, _ in agent.received]
    gaps = [t[1] - t[0], t[2] - t[1]]
    assert gaps[0] >= 0.035 and gaps[1] >= 0.075, gaps  # each wait longer than the one before
    assert transport.pending == {}


async def test_answer_to_an_earlier_attempt_still_counts(transport: SnmpTransport, agents: list[FakeAgent]) -> None:
    """Slow agent: the answer to attempt 1 arrives during attempt 2's wait (same ID)."""
    agent = await start_agent(delay_s=0.05)
    agents.append(agent)
    rid = transport.new_id()
    msg, attempts = await transport.request(agent.address, get_sysname(transport, rid), rid, 0.03, 3)
    assert isinstance(msg, CommunityMessage) and msg.pdu.request_id == rid
    assert attempts == 2
    await wait_for(lambda: transport.stats.received == 2)
    assert transport.stats.matched == 1 and transport.stats.late_or_duplicate == 1


async def test_poll_of_a_silent_device_is_a_timeout_result(transport: SnmpTransport, agents: list[FakeAgent]) -> None:
    agent = await start_agent(silent=True)
    agents.append(agent)
    poll = await Poller(transport).poll(target(agent, retries=2))
    assert poll.error is PollError.TIMEOUT and not poll.reachable
    assert "no answer after 3 attempt(s)" in poll.detail and agent.address[0] in poll.detail
    assert poll.pdus == 3 and poll.retries == 2
    assert poll.interfaces == () and poll.sys_uptime is None


async def test_a_device_that_stayed_silent_gets_one_attempt_until_it_answers(
        transport: SnmpTransport, agents: list[FakeAgent]) -> None:
    """Dead devices must not hold poll slots for the whole retry ladder every cycle."""
    agent = await start_agent(silent=True)
    agents.append(agent)
    poller = Poller(transport)
    tgt = target(agent, retries=2, timeout_s=0.03)
    first = await poller.poll(tgt)
    assert first.error is PollError.TIMEOUT and first.pdus == 3
    second = await poller.poll(tgt)
    assert second.error is PollError.TIMEOUT and second.pdus == 1 and second.duration_s < 0.06
    agent.silent = False
    back = await poller.poll(tgt)
    assert back.ok
    agent.silent = True
    again = await poller.poll(tgt)
    assert again.pdus == 3  # answered last time: the full retries again


async def test_wrong_community_is_a_timeout_not_an_exception(transport: SnmpTransport,
                                                           agents: list[FakeAgent]) -> None:
    agent = await start_agent()
    agents.append(agent)
    poll = await Poller(transport).poll(target(agent, community=b"private", retries=0))
    assert poll.error is PollError.TIMEOUT


# --- garbage ---------------------------------------------------------------------------------


async def test_garbage_answers_are_a_decode_error_not_a_timeout(transport: SnmpTransport,
                                                              agents: list[FakeAgent]) -> None:
    agent = await start_agent(garbage=True)
    agents.append(agent)
    poll = await Poller(transport).poll(target(agent, retries=1))
    assert poll.error is PollError.DECODE_ERROR, poll
    assert "garbage" in poll.detail and "undecodable" in poll.detail
    assert poll.reachable  # it answered something: the device is up
    assert transport.stats.undecodable == 2


async def test_truncated_answers_are_a_decode_error(transport: SnmpTransport, agents: list[FakeAgent]) -> None:
    agent = await start_agent()
    agents.append(agent)
    real = agent.reply

    def truncated(data: bytes) -> bytes | None:
        out = real(data)
        return out[: len(out) // 2] if out else out

    agent.reply = truncated  # type: ignore[method-assign]
    poll = await Poller(transport).poll(target(agent, retries=0))
    assert poll.error is PollError.DECODE_ERROR, poll


async def test_answers_with_a_wrong_request_id_are_a_decode_error(transport: SnmpTransport,
                                                                 agents: list[FakeAgent]) -> None:
    agent = await start_agent(mutate_rid=lambda rid: rid + 1000)
    agents.append(agent)
    poll = await Poller(transport).poll(target(agent, retries=1))
    assert poll.error is PollError.DECODE_ERROR, poll
    assert "unexpected ID" in poll.detail


async def test_a_late_answer_does_not_turn_a_later_timeout_into_garbage(transport: SnmpTransport,
                                                                        agents: list[FakeAgent]) -> None:
    """A late answer to a request already given up is noise of that moment only: when the
    device later goes silent, its poll is a TIMEOUT, not a DECODE_ERROR."""
    agent = await start_agent(delay_s=0.1)
    agents.append(agent)
    poller = Poller(transport)
    first = await poller.poll(target(agent, timeout_s=0.02, retries=0))
    assert first.error is PollError.TIMEOUT
    await wait_for(lambda: transport.stats.late_or_duplicate >= 1)
    agent.silent = True
    later = await poller.poll(target(agent, timeout_s=0.02, retries=0))
    assert later.error is PollError.TIMEOUT, later


async def test_wrong_request_id_is_a_decode_error_even_when_the_id_is_in_flight(transport: SnmpTransport,
                                                                                agents: list[FakeAgent]) -> None:
    """IDs are sequential, so rid+1 is usually waiting for another device: an agent that
    answers with it is still reported as answering garbage, not as silent."""
    liar = await start_agent(mutate_rid=lambda rid: rid + 1)
    silent = await start_agent(silent=True)
    agents += [liar, silent]
    poller = Poller(transport)
    polls = await asyncio.gather(poller.poll(target(liar, "LIAR", timeout_s=0.1, retries=0)),
                                 poller.poll(target(silent, "SILENT", timeout_s=0.1, retries=0)))
    assert polls[0].error is PollError.DECODE_ERROR, polls[0]
    assert "unexpected ID" in polls[0].detail
    assert polls[1].error is PollError.TIMEOUT
    assert transport.stats.wrong_source >= 1


async def test_a_send_refused_by_the_os_is_a_send_error(transport: SnmpTransport) -> None:
    tgt = Target("BCAST", "", "255.255.255.255", 161, Credentials("2c", community=b"public"), 0.05, 1, 25)
    poll = await Poller(transport).poll(tgt)
    assert poll.error is PollError.SEND_ERROR, poll
    assert "refuses" in poll.detail and not poll.reachable
    assert transport.stats.send_errors >= 1 and transport.pending == {}


async def test_ids_wrap_and_skip_those_in_flight(transport: SnmpTransport) -> None:
    transport._next_id = ID_MODULUS - 2
    busy = transport.new_id()
    transport.pending[1] = None  # type: ignore[assignment]  # 1 is waiting for an answer
    try:
        assert [transport.new_id() for _ in range(3)] == [ID_MODULUS - 1, 2, 3]
    finally:
        del transport.pending[1]
    assert busy == ID_MODULUS - 2


async def test_close_cancels_pending_requests(agents: list[FakeAgent]) -> None:
    t = await SnmpTransport.open()
    agent = await start_agent(silent=True)
    agents.append(agent)
    rid = t.new_id()
    task = asyncio.create_task(t.request(agent.address, get_sysname(t, rid), rid, 5.0, 0))
    await wait_for(lambda: len(agent.received) == 1)
    t.close()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert t.pending == {}


async def test_dead_and_garbage_devices_do_not_delay_healthy_ones(transport: SnmpTransport,
                                                                  agents: list[FakeAgent]) -> None:
    dead = await start_agent(silent=True)
    junk = await start_agent(garbage=True)
    healthy = [await start_agent() for _ in range(20)]
    agents += [dead, junk, *healthy]
    poller = Poller(transport)
    started = time.monotonic()
    tasks = [asyncio.create_task(poller.poll(target(dead, "DEAD", timeout_s=0.5, retries=1))),
             asyncio.create_task(poller.poll(target(junk, "JUNK", timeout_s=0.5, retries=1)))]
    ok = await asyncio.gather(*(poller.poll(target(a, f"H{n}", timeout_s=0.5)) for n, a in enumerate(healthy)))
    healthy_done = time.monotonic() - started
    assert all(p.ok for p in ok) and healthy_done < 0.4  # well before the first timeout
    dead_poll, junk_poll = await asyncio.gather(*tasks)
    assert dead_poll.error is PollError.TIMEOUT and junk_poll.error is PollError.DECODE_ERROR


def v3_target(agent: FakeAgent, auth: str = V3_AUTH, priv: str = V3_PRIV, user: str = "unit",
              auth_proto: str = "SHA-256") -> Target:
    host, port = agent.address
    creds = Credentials("3", user=user_for(user, auth_proto, "AES", auth, priv))
    return Target("V3", "", host, port, creds, 0.3, 1, 25)


async def v3_agent(auth_proto: str = "SHA-256") -> FakeAgent:
    users = {b"unit": user_for("unit", auth_proto, "AES", V3_AUTH, V3_PRIV)}
    return await start_agent(v3=V3Engine(users, time.time() - 1000))


@pytest.mark.parametrize("auth_proto", ["SHA", "SHA-256"])
async def test_v3_discovery_once_per_device(transport: SnmpTransport, agents: list[FakeAgent],
                                            auth_proto: str) -> None:
    agent = await v3_agent(auth_proto)
    agents.append(agent)
    poller = Poller(transport)
    tgt = v3_target(agent, auth_proto=auth_proto)
    first = await poller.poll(tgt)
    assert first.ok, first
    assert first.sys_uptime == 123_456 and [i.name for i in first.interfaces][:2] == ["Gi0/1", "Gi0/2"]
    n_first = len(agent.received)
    second = await poller.poll(tgt)
    assert second.ok, second
    assert first.pdus == n_first and second.pdus == len(agent.received) - n_first
    assert second.pdus < first.pdus  # no discovery the second time (and no ifName walk)
    assert poller.sessions["V3"].engine is not None
    assert len(tgt.credentials.user.key_cache) == 1  # type: ignore[union-attr]  # localized once, cached


@pytest.mark.parametrize(("auth", "priv", "user", "cause", "words"), [
    ("wrong-auth-passphrase", V3_PRIV, "unit", PollError.AUTH_FAILURE, "wrongDigests"),
    (V3_AUTH, "wrong-priv-passphrase", "unit", PollError.AUTH_FAILURE, "decryptionErrors"),
    (V3_AUTH, V3_PRIV, "mallory", PollError.UNKNOWN_USER, "mallory"),
])
async def test_v3_credential_errors_are_results(transport: SnmpTransport, agents: list[FakeAgent], auth: str,
                                                priv: str, user: str, cause: PollError, words: str) -> None:
    agent = await v3_agent()
    agents.append(agent)
    poll = await Poller(transport).poll(v3_target(agent, auth, priv, user))
    assert poll.error is cause, poll
    assert words in poll.detail
    assert poll.reachable


async def test_v3_agent_that_forgets_its_engine_is_rediscovered(transport: SnmpTransport,
                                                               agents: list[FakeAgent]) -> None:
    """The agent's engine ID changes under us (replaced hardware, reset): the session
    rediscovers instead of failing forever."""
    agent = await v3_agent()
    agents.append(agent)
    poller = Poller(transport)
    tgt = v3_target(agent)
    assert (await poller.poll(tgt)).ok
    session = poller.sessions["V3"]
    assert session.engine is not None
    session.engine = replace(session.engine, engine_id=b"\x80\x00\x00\x00\x04stale-engine")
    poll = await poller.poll(tgt)
    assert poll.ok, poll
    assert session.engine.engine_id != b"\x80\x00\x00\x00\x04stale-engine"


async def test_session_config_problem_is_a_config_result(transport: SnmpTransport) -> None:
    tgt = Target("BAD", "", "127.0.0.1", 9, Credentials("3", problem="SNMP profile 'x': variable unset"), 0.1, 0, 25)
    session = Session(transport, tgt)
    with pytest.raises(PollFailure) as info:
        await session.get([SYS_NAME_0])
    assert info.value.cause is PollError.CONFIG
    poll = await Poller(transport).poll(tgt)
    assert poll.error is PollError.CONFIG and "variable unset" in poll.detail and poll.pdus == 0


def test_fake_agent_speaks_real_snmp() -> None:
    """Sanity of the harness itself: the fake agent's answers decode with Vigie's codec."""
    agent = FakeAgent(router_view())
    out = agent.reply(encode_request(1, b"public", GETBULK, 7, [SYS + (3,), IFX + (1,)], 1, 3))
    assert out is not None
    msg = decode_message(out)
    assert isinstance(msg, CommunityMessage) and isinstance(msg.pdu, Pdu)
    assert [oid for oid, _ in msg.pdu.varbinds] == [SYS_UPTIME_0, IFX + (1, 1), IFX + (1, 2), IFX + (1, 3)]
    with pytest.raises(SnmpError):
        decode_message(b"\x30\x03\x02\x01")


