"""InfluxSink against a real VictoriaMetrics on 127.0.0.1: what is written reads back exactly
(values, timestamps, labels with special characters), an outage loses nothing and
duplicates nothing, and a sink closed while the server is down hands its data to the next.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from collectors.counters import DeviceRates, InterfaceRate
from collectors.scheduler import CycleReport
from tests.integration.victoria import Victoria, victoria_fixture  # noqa: F401  (the 'victoria' fixture)
from vigie.observations import DevicePoll, PollError
from vigie.sinks import InfluxSettings, InfluxSink, SinkStats
from vigie.sinks import lineproto as lp

pytestmark = pytest.mark.integration

SEED = 4242
T0 = 1_700_000_000.0  # fixed timestamps (the server runs with -retentionPeriod 100y)
DEVICES, IFACES = 40, 10
WAIT_S = 60.0
NAMES = ["Gi0/0/0", "Port-channel 1", "ge-0/0/1.100", "a,b=c", 'quo"te', "back\\slash\\", "tab\tnewline\nx"]
Key = tuple[str, tuple[tuple[str, str], ...]]
Expected = dict[Key, list[tuple[int, float]]]


def make_rates(polls: range, seed: int = SEED) -> list[DeviceRates]:
    """Seeded rates with at most 12 significant digits (what VictoriaMetrics keeps of a float)
    and some unknown (None) values; interface names with spaces, commas, equals, quotes,
    backslashes; timestamps with milliseconds."""
    out = []
    for p in polls:
        rng = random.Random(seed * 1000 + p)
        for d in range(DEVICES):
            ifaces = []
            for i in range(IFACES):
                name = None if i == 9 else (NAMES[i] if i < len(NAMES) else f"Gi0/{i}")

                def v(scale: int, digits: int) -> float | None:
                    return None if rng.random() < 0.05 else rng.randrange(scale) / 10**digits  # noqa: B023

                ifaces.append(InterfaceRate(i + 1, name, 60.0, v(10**11, 2), v(10**11, 2), v(10**6, 4), v(10**6, 4),
                                            v(10**5, 3), v(10**5, 3), v(10**4, 3), v(10**4, 3), None))
            out.append(DeviceRates(f"S{d:05d} R1", T0 + 60 * p + d * 0.001, False, None, tuple(ifaces)))
    return out


def label_value(name: str) -> str:
    """The tag value the server stores: escapes undone; newline and tab stay as written (\\n, \\t),
    since line protocol has no way to carry them."""
    return name.replace("\n", "\\n").replace("\t", "\\t")


def expected_labels(rates: Sequence[DeviceRates]) -> Expected:
    exp: Expected = {}
    for dev in rates:
        for r in dev.interfaces:
            tag = ("ifname", label_value(r.name)) if r.name else ("ifindex", str(r.if_index))
            labels = tuple(sorted([("device", dev.device), tag]))
            for f in lp.IF_FIELDS:
                value = getattr(r, f)
                if value is not None:
                    exp.setdefault((f"vigie_if_{f}", labels), []).append((lp.to_ms(dev.at), value))
    for v in exp.values():
        v.sort()
    return exp


def settings(vm: Victoria, spool: Path | None, **kw: object) -> InfluxSettings:
    base: dict[str, object] = dict(url=vm.url, org="vigie", bucket="vigie", token_ref=None, batch_lines=500,
                                   flush_interval_s=0.05, memory_lines=1000,
                                   spool_dir=None if spool is None else str(spool), timeout_s=2.0,
                                   backoff_first_s=0.05, backoff_max_s=0.5)
    base.update(kw)
    return InfluxSettings(**base)  # type: ignore[arg-type]


async def until(pred: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        await asyncio.sleep(0.01)


def balanced(s: SinkStats) -> bool:
    return s.lines_accepted + s.lines_recovered == s.lines_written + s.lines_buffered + s.lines_spooled \
        + s.lines_dropped


IF_MATCH = '{__name__=~"vigie_if_.*"}'


def write_rates(sink: InfluxSink, rates: Sequence[DeviceRates]) -> int:
    n = 0
    for dev in rates:
        lines = lp.rate_lines(dev)
        sink.write(lines)
        n += len(lines)
    return n


async def test_rates_read_back_exactly(victoria: Victoria, tmp_path: Path) -> None:
    rates = make_rates(range(5))
    sink = InfluxSink(settings(victoria, tmp_path / "spool"))
    await sink.start()
    n = write_rates(sink, rates)
    assert await sink.flush(WAIT_S), sink.stats()
    await sink.close(WAIT_S)
    stats = sink.stats()
    assert (stats.lines_written, stats.lines_dropped, stats.retries) == (n, 0, 0) and balanced(stats)
    got = victoria.samples(IF_MATCH)
    exp = expected_labels(rates)
    assert sum(map(len, exp.values())) > 15_000
    assert got.keys() == exp.keys()
    assert got == exp  # every value and timestamp, exactly once


async def test_poll_cycle_and_site_lines_land(victoria: Victoria) -> None:
    polls = [DevicePoll("R1", "127.0.0.2", T0 + 0.25, 0.0125, response_ms=3.5, pdus=5),
             DevicePoll("R2", "127.0.0.3", T0 + 0.5, 3.0, error=PollError.TIMEOUT, pdus=3, retries=2)]
    report = CycleReport(7, T0, 60.0, 2, completed=2, ok=1, failed=1, timeouts=1, wall_s=3.5, cpu_s=0.25,
                         durations_ms=[12.5, 3000.0])
    lines = [lp.poll_line(p) for p in polls] + [
        lp.cycle_line(report),
        lp.site_states_line({"up": 9, "down": 1}, T0),
        lp.line("odd meas,ure", {"k ey": "v,a=l\\ue"}, {"f": 1.5}, 1_700_000_000_001),
    ]
    sink = InfluxSink(settings(victoria, None))
    await sink.start()
    sink.write([ln for ln in lines if ln is not None])
    assert await sink.flush(WAIT_S)
    await sink.close(WAIT_S)
    got = victoria.samples('{__name__=~"vigie_(poll|cycle|sites)_.*|odd meas,ure_f"}')
    assert got[("vigie_poll_duration_ms", (("device", "R1"),))] == [(1_700_000_000_250, 12.5)]
    assert got[("vigie_poll_ok", (("device", "R2"), ("error", "timeout")))] == [(1_700_000_000_500, 0)]
    assert ("vigie_poll_response_ms", (("device", "R2"), ("error", "timeout"))) not in got  # None: not written
    assert got[("vigie_cycle_completion", ())] == [(1_700_000_000_000, 1.0)]
    assert got[("vigie_cycle_p95_ms", ())] == [(1_700_000_000_000, 3000.0)]
    assert got[("vigie_sites_down", ())] == [(1_700_000_000_000, 1)]
    assert got[("odd meas,ure_f", (("k ey", "v,a=l\\ue"),))] == [(1_700_000_000_001, 1.5)]


async def test_outage_mid_run_loses_and_duplicates_nothing(victoria: Victoria, tmp_path: Path) -> None:
    before, during = make_rates(range(0, 2)), make_rates(range(2, 6))
    sink = InfluxSink(settings(victoria, tmp_path / "spool", batch_lines=200, memory_lines=400))
    await sink.start()
    write_rates(sink, before)
    assert await sink.flush(WAIT_S)

    assert victoria.stop() == 0  # the server goes away mid-run
    for i in range(0, len(during), DEVICES // 4):  # the producer keeps writing, a cycle at a time
        write_rates(sink, during[i:i + DEVICES // 4])
        await asyncio.sleep(0.02)
    await until(lambda: sink.stats().retries >= 3, "retries while the server is down")
    down = sink.stats()
    assert not down.connected and down.batches_failed >= 3 and down.last_error is not None
    assert down.lines_spooled > 0 and down.lines_buffered <= 400 + 200  # memory stayed bounded
    assert down.lines_dropped == 0 and balanced(down)

    victoria.start()  # same port, same data directory
    assert await sink.flush(WAIT_S), sink.stats()
    await sink.close(WAIT_S)
    stats = sink.stats()
    assert stats.connected and stats.lines_dropped == 0 and stats.lines_spooled == 0 and balanced(stats)
    assert victoria.samples(IF_MATCH) == expected_labels(before + during)  # every point, exactly once


async def test_sink_closed_while_down_hands_its_data_to_the_next_sink(victoria: Victoria, tmp_path: Path) -> None:
    rates = make_rates(range(3))
    spool = tmp_path / "spool"
    victoria.stop()
    first = InfluxSink(settings(victoria, spool, memory_lines=1000))
    await first.start()
    n = write_rates(first, rates)
    await until(lambda: first.stats().batches_failed >= 1, "a failed attempt")
    await first.close(0.5)
    stats = first.stats()
    assert (stats.lines_written, stats.lines_buffered, stats.lines_spooled, stats.lines_dropped) == (0, 0, n, 0)

    victoria.start()
    second = InfluxSink(settings(victoria, spool))
    assert second.stats().lines_recovered == n
    await second.start()
    assert await second.flush(WAIT_S), second.stats()
    await second.close(WAIT_S)
    stats2 = second.stats()
    assert (stats2.lines_written, stats2.lines_spooled, stats2.lines_dropped) == (n, 0, 0) and balanced(stats2)
    assert victoria.samples(IF_MATCH) == expected_labels(rates)
    assert list(spool.glob("*.seg")) == []


async def test_the_token_is_sent_but_never_shown(victoria: Victoria, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    token = "vigie-T0ken-s3cret"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[influx]\ntoken = "{token}"\n')
    secrets.chmod(0o600)
    caplog.set_level("DEBUG")
    sink = InfluxSink(settings(victoria, None, token_ref=f"file:{secrets}#influx.token"))
    await sink.start()
    sink.write(lp.rate_lines(make_rates(range(1))[0]))
    assert await sink.flush(WAIT_S)
    victoria.stop()
    sink.write(lp.rate_lines(make_rates(range(1, 2))[0]))
    await until(lambda: sink.stats().batches_failed >= 2, "failures once the server is gone")
    await sink.close(0.2)
    stats = sink.stats()
    assert stats.last_error is not None and victoria.url in stats.last_error
    for text in (repr(sink), repr(sink.settings), repr(stats), caplog.text):
        assert token not in text
