"""InfluxSink with a fake writer: batching, order, backoff, memory → spool → drop, 400s, close."""

from __future__ import annotations

import asyncio
import inspect
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import aiohttp
import pytest
from influxdb_client.rest import ApiException

from vigie.sinks import (
    Backoff,
    InfluxSettings,
    InfluxSink,
    SinkClosed,
    SinkConfigError,
    SinkRejected,
    SinkStats,
    SinkUnavailable,
    convert_error,
)

SEED = 20240611


def api_error(status: int, reason: str) -> Exception:
    """influxdb-client's HTTP error (its constructor is untyped)."""
    exc: Exception = ApiException(status=status, reason=reason)  # type: ignore[no-untyped-call]
    return exc
WAIT_S = 10.0  # every wait in these tests is bounded by this


class FakeServer:
    """The injected writer: records every attempt; ``up`` decides whether a batch is taken,
    ``reject`` whether a batch is refused as bad data (400), ``hang`` never answers."""

    def __init__(self) -> None:
        self.up = True
        self.hang = False
        self.reject: Callable[[Sequence[str]], bool] = lambda lines: False
        self.attempts: list[tuple[float, list[str]]] = []
        self.received: list[str] = []
        self.batches: list[list[str]] = []

    async def __call__(self, lines: Sequence[str]) -> None:
        self.attempts.append((time.monotonic(), list(lines)))
        if self.hang:
            await asyncio.Event().wait()
        if not self.up:
            raise SinkUnavailable("cannot reach http://127.0.0.1:9: connection refused")
        if self.reject(lines):
            raise SinkRejected("http://127.0.0.1:9 refused the batch (HTTP 400 Bad Request)", 400)
        self.batches.append(list(lines))
        self.received.extend(lines)


class RecordingBackoff(Backoff):
    def __init__(self, first_s: float, max_s: float, rng: random.Random) -> None:
        super().__init__(first_s, max_s, rng)
        self.delays: list[float] = []

    def next(self) -> float:
        d = super().next()
        self.delays.append(d)
        return d


def settings(tmp_path: Path | None, **kw: object) -> InfluxSettings:
    base: dict[str, object] = dict(url="http://127.0.0.1:9", token_ref=None, batch_lines=5, flush_interval_s=0.02,
                                   memory_lines=20, spool_dir=str(tmp_path / "spool") if tmp_path else None,
                                   timeout_s=2.0, backoff_first_s=0.002, backoff_max_s=0.01)
    base.update(kw)
    return InfluxSettings(**base)  # type: ignore[arg-type]


def lines(n: int, start: int = 0) -> list[str]:
    return [f"m,k={i:04d} v={i % 10}i {1700000000000 + i}" for i in range(start, start + n)]  # fixed width


async def until(pred: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.002)


def balanced(s: SinkStats) -> bool:
    return s.lines_accepted + s.lines_recovered == s.lines_written + s.lines_buffered + s.lines_spooled \
        + s.lines_dropped


# --- batching ----------------------------------------------------------------------------------------


async def test_batches_in_order_partial_batch_after_the_flush_interval(tmp_path: Path) -> None:
    server = FakeServer()
    sink = InfluxSink(settings(tmp_path, flush_interval_s=0.05), writer=server, wall=lambda: 1234.5)
    await sink.start()
    sink.write(lines(12))
    await until(lambda: len(server.received) == 10)
    assert server.batches == [lines(5), lines(5, 5)]  # full batches at once
    await until(lambda: len(server.received) == 12)  # the partial one after flush_interval_s
    assert server.batches[2] == lines(2, 10)
    await sink.close(1.0)
    stats = sink.stats()
    assert (stats.lines_written, stats.batches_written, stats.connected, stats.last_success_at) == (12, 3, True, 1234.5)
    assert stats.lines_dropped == 0 and stats.retries == 0 and balanced(stats)


async def test_write_is_synchronous_and_never_waits_for_the_server(tmp_path: Path) -> None:
    assert not inspect.iscoroutinefunction(InfluxSink.write)
    server = FakeServer()
    server.hang = True
    sink = InfluxSink(settings(tmp_path, memory_lines=1000), writer=server)
    await sink.start()
    started = time.perf_counter()
    for i in range(2000):
        sink.write(lines(5, i * 5))
    assert time.perf_counter() - started < 2.0
    stats = sink.stats()
    assert stats.lines_accepted == 10_000 and stats.lines_dropped == 0 and balanced(stats)
    assert stats.lines_buffered <= 1000 + 5 and stats.lines_spooled >= 9000 - 5
    await sink.close(0.2)


# --- failures and backoff ----------------------------------------------------------------------------


def test_backoff_sequence_doubles_with_jitter_and_is_capped() -> None:
    b = Backoff(0.5, 30.0, random.Random(SEED))
    ref = random.Random(SEED)
    nominal = [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    got = [b.next() for _ in nominal]
    assert got == [ref.uniform(d / 2, d) for d in nominal]
    assert all(d / 2 <= g <= d for g, d in zip(got, nominal))
    b.reset()
    assert b.next() <= 0.5


async def test_retries_with_backoff_and_keeps_accepting_writes(tmp_path: Path) -> None:
    server = FakeServer()
    server.up = False
    backoff = RecordingBackoff(0.02, 0.08, random.Random(SEED))
    sink = InfluxSink(settings(tmp_path, memory_lines=10), writer=server, backoff=backoff)
    await sink.start()
    sink.write(lines(5))
    await until(lambda: len(server.attempts) >= 6)
    stats = sink.stats()
    assert not stats.connected and stats.batches_failed >= 6 and stats.retries >= 5
    assert stats.last_error is not None and "connection refused" in stats.last_error
    gaps = [b[0] - a[0] for a, b in zip(server.attempts, server.attempts[1:])]
    assert all(gap >= d - 0.002 for gap, d in zip(gaps, backoff.delays))  # each retry waited its delay
    ref = Backoff(0.02, 0.08, random.Random(SEED))
    assert backoff.delays == [ref.next() for _ in backoff.delays]  # the seeded sequence, never reset while down
    assert all(d <= 0.08 for d in backoff.delays) and max(backoff.delays) > 0.04  # grew, capped
    for i in range(1, 9):  # writes keep being accepted while the server is down
        sink.write(lines(5, i * 5))
    stats = sink.stats()
    assert stats.lines_accepted == 45 and stats.lines_spooled > 0 and stats.lines_dropped == 0 and balanced(stats)
    server.up = True
    assert await sink.flush(WAIT_S)
    assert server.received == lines(45)  # each line once, in order
    assert sink.stats().connected
    n_before = len(backoff.delays)
    server.up = False  # a new outage starts the backoff over (it grew to [0.04, 0.08] in the first one)
    sink.write(lines(5, 45))
    await until(lambda: len(backoff.delays) > n_before)
    assert backoff.delays[n_before] <= 0.02
    server.up = True
    await sink.close(WAIT_S)
    stats = sink.stats()
    assert stats.connected and stats.lines_written == 50 and stats.lines_spooled == 0 and balanced(stats)


async def test_rejected_batch_is_dropped_counted_and_not_retried(tmp_path: Path) -> None:
    server = FakeServer()
    server.reject = lambda batch: "k=0007" in " ".join(batch)
    sink = InfluxSink(settings(tmp_path), writer=server)
    await sink.start()
    sink.write(lines(15))
    assert await sink.flush(WAIT_S)
    await sink.close(1.0)
    stats = sink.stats()
    assert server.received == lines(5) + lines(5, 10)
    assert len(server.attempts) == 3  # the refused batch was tried once
    assert stats.dropped_reasons == {"rejected_400": 5} and stats.lines_dropped == 5
    assert stats.batches_failed == 1 and stats.retries == 0 and stats.connected and balanced(stats)
    assert stats.last_error is not None and "400" in stats.last_error


# --- memory, spool, drops ----------------------------------------------------------------------------


async def test_memory_overflow_goes_to_the_spool_and_its_cap_drops_the_oldest(tmp_path: Path) -> None:
    one = len(lines(1)[0])
    record = 16 + 5 * one + 4  # header + 5 lines joined by \n
    server = FakeServer()
    sink = InfluxSink(settings(tmp_path, memory_lines=5, spool_max_bytes=3 * record), writer=server)
    written = lines(50)
    for ln in written:  # not started: nothing is sent, everything stays
        sink.write([ln])
    stats = sink.stats()
    # memory spills 5 lines each time it holds 6: 9 records; the spool keeps the newest 3
    assert (stats.lines_buffered, stats.lines_spooled, stats.lines_dropped) == (5, 15, 30)
    assert stats.dropped_reasons == {"spool_full": 30} and balanced(stats)
    await sink.start()
    assert await sink.flush(WAIT_S)
    assert server.received == written[30:]  # the oldest were dropped, the rest in order
    await sink.close(1.0)


async def test_without_a_spool_memory_overflow_drops_the_oldest_exactly(tmp_path: Path) -> None:
    sink = InfluxSink(settings(None, memory_lines=20), writer=FakeServer())
    sink.write(lines(23))
    sink.write(lines(4, 23))
    stats = sink.stats()
    assert stats.dropped_reasons == {"memory_full": 7} and stats.lines_buffered == 20 and balanced(stats)
    await sink.close(0.1)  # never started, no spool: what is left is dropped, and said
    stats = sink.stats()
    assert stats.dropped_reasons == {"memory_full": 7, "closed": 20} and balanced(stats)


# --- close -------------------------------------------------------------------------------------------


async def test_close_spills_to_disk_and_the_next_sink_sends_it(tmp_path: Path) -> None:
    server = FakeServer()
    server.up = False
    sink = InfluxSink(settings(tmp_path, memory_lines=10), writer=server)
    await sink.start()
    sink.write(lines(5))
    await until(lambda: len(server.attempts) >= 2)  # a batch taken from memory is in flight, failing
    for i in range(1, 5):
        sink.write(lines(5, i * 5))  # memory overflows: lines 5-14 go to the spool, after the batch in flight
    assert sink.stats().lines_spooled == 10
    await sink.close(0.05)
    stats = sink.stats()
    assert stats.lines_buffered == 0 and stats.lines_spooled == 25 and stats.lines_dropped == 0 and balanced(stats)
    with pytest.raises(SinkClosed):
        sink.write(lines(1))

    server2 = FakeServer()
    sink2 = InfluxSink(settings(tmp_path, memory_lines=10), writer=server2)
    assert sink2.stats().lines_recovered == 25
    await sink2.start()
    sink2.write(lines(3, 25))
    assert await sink2.flush(WAIT_S)
    assert server2.received == lines(28)  # the batch in flight first, then the spool, then memory
    await sink2.close(1.0)
    stats2 = sink2.stats()
    assert stats2.lines_written == 28 and stats2.lines_spooled == 0 and balanced(stats2)
    assert list((tmp_path / "spool").glob("*.seg")) == []


async def test_close_cuts_a_hung_request_within_its_timeout(tmp_path: Path) -> None:
    server = FakeServer()
    server.hang = True
    sink = InfluxSink(settings(tmp_path), writer=server)
    await sink.start()
    sink.write(lines(7))
    await until(lambda: len(server.attempts) == 1)
    started = time.monotonic()
    await sink.close(0.2)
    stats = sink.stats()
    assert time.monotonic() - started < 1.0
    assert stats.lines_spooled == 7 and stats.lines_dropped == 0 and balanced(stats)


async def test_close_flushes_when_the_server_is_up(tmp_path: Path) -> None:
    server = FakeServer()
    sink = InfluxSink(settings(tmp_path, flush_interval_s=60.0), writer=server)
    await sink.start()
    sink.write(lines(3))
    await sink.close(WAIT_S)
    stats = sink.stats()
    assert server.received == lines(3) and stats.lines_spooled == 0


# --- settings, errors, secrets -----------------------------------------------------------------------


def test_settings_are_checked_and_read_from_the_environment() -> None:
    with pytest.raises(SinkConfigError, match="memory_lines"):
        InfluxSettings(batch_lines=10, memory_lines=5)
    with pytest.raises(SinkConfigError, match="not an http"):
        InfluxSettings(url="127.0.0.1:8086")
    with pytest.raises(SinkConfigError, match="password"):
        InfluxSettings(url="http://u:secret@127.0.0.1:8086")
    env = {"VIGIE_INFLUX_URL": "http://127.0.0.1:8428", "VIGIE_INFLUX_BATCH_LINES": "100",
           "VIGIE_INFLUX_FLUSH_INTERVAL_S": "0.5", "VIGIE_INFLUX_SPOOL_DIR": "/var/spool/vigie"}
    s = InfluxSettings.from_env(env, batch_lines=200)
    assert (s.url, s.batch_lines, s.flush_interval_s, s.spool_dir) == ("http://127.0.0.1:8428", 200, 0.5,
                                                                       "/var/spool/vigie")
    with pytest.raises(SinkConfigError, match="VIGIE_INFLUX_TIMEOUT_S"):
        InfluxSettings.from_env({"VIGIE_INFLUX_TIMEOUT_S": "soon"})


def test_third_party_errors_are_converted_in_one_place() -> None:
    url = "http://127.0.0.1:8428"
    token = "tok-S3cret-123"
    bad = convert_error(api_error(status=400, reason="Bad Request"), url, 5.0, token)
    assert isinstance(bad, SinkRejected) and bad.status == 400
    for status in (413, 422):
        assert isinstance(convert_error(api_error(status=status, reason="x"), url, 5.0), SinkRejected)
    for status in (401, 403, 404, 429, 500, 503):
        err = convert_error(api_error(status=status, reason="x"), url, 5.0)
        assert isinstance(err, SinkUnavailable) and err.status == status
    assert "within 5 s" in str(convert_error(TimeoutError(), url, 5.0))
    assert isinstance(convert_error(aiohttp.ServerDisconnectedError(), url, 5.0), SinkUnavailable)
    refused = convert_error(ConnectionRefusedError(111, "Connection refused"), url, 5.0)
    assert isinstance(refused, SinkUnavailable) and url in str(refused)
    leaky = api_error(status=401, reason=f"token {token} unknown")
    assert token not in str(convert_error(leaky, url, 5.0, token))


async def test_the_token_is_never_in_repr_stats_or_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    token = "tok-S3cret-456"
    s = settings(tmp_path, token_ref="env:VIGIE_TEST_TOKEN", url="http://127.0.0.1:1", timeout_s=0.5)
    sink = InfluxSink(s, environ={"VIGIE_TEST_TOKEN": token})
    caplog.set_level("DEBUG")
    await sink.start()  # the real client, against a port where nothing listens
    sink.write(lines(5))
    await until(lambda: sink.stats().batches_failed >= 2)
    await sink.close(0.1)
    stats = sink.stats()
    assert stats.last_error is not None and "127.0.0.1:1" in stats.last_error
    for text in (repr(sink), repr(s), repr(stats), caplog.text):
        assert token not in text
