"""The telemetry simulator: the SNMP farm's numbers in the collector's format, and the farm's faults."""

from __future__ import annotations

import math
import socket
import time

import pytest

from collectors.telemetry.schema import BAD_JSON, BAD_SCHEMA, PayloadError, parse_payload
from simulators.device import IF_ENTRY, IFX_ENTRY, SYSTEM, SimDevice
from simulators.faults import parse_scenario
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline
from simulators.telemetry import Publishers, PublisherSettings, PublisherThread, broker_address
from simulators.telemetry_model import TelemetryDevice, uplink_medium
from vigie.errors import ConfigError
from vigie.model import Inventory, Layer, Medium

START = 1_780_000_000.0


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return generate_rie(sites=12, seed=5)


def access(inv: Inventory) -> tuple[str, str, str]:
    """(link id, site router, its collect router) of the first fibre access link."""
    link = next(lk for lk in inv.links.values() if lk.layer is Layer.ACCESS and lk.medium is Medium.FIBRE)
    site_end = link.a if inv.devices[link.a.device].site else link.b
    return link.id, site_end.device, link.other(site_end.device).device


def publishers(inv: Inventory, scenario: str = "", **kw: object) -> Publishers:
    tl = FaultTimeline(parse_scenario(scenario, inv) if scenario else None, inv)
    return Publishers(PublisherSettings(inv, tl, START, "mqtt://127.0.0.1:1883", **kw))  # type: ignore[arg-type]


def snmp_twin(p: Publishers, name: str) -> SimDevice:
    tl = p.s.timeline
    return SimDevice(p.s.inventory, p.s.inventory.devices[name], START, tl.boot_offsets(name),
                     tl.oper_down_intervals(name), tl.counter_wraps(name))


def test_payloads_parse_and_carry_the_snmp_farms_counters_and_states(inv: Inventory) -> None:
    link, ce, collect = access(inv)
    p = publishers(inv, f'[[fault]]\nat = 10\nkind = "link_down"\nlink = "{link}"\nduration = 30\n')
    for name in (ce, collect, "DC1-A"):
        twin = snmp_twin(p, name)
        for t in (START + 5.0, START + 20.0, START + 3600.0):
            s = parse_payload(p.device(name).payload(t), 1 << 20)
            assert s.device == name and s.ts == round(t, 3)
            ticks = twin.view.get(SYSTEM + (3, 0), t)
            assert isinstance(ticks, int) and math.isclose(s.uptime_s or 0, ticks / 100, abs_tol=0.011)
            assert [i.if_index for i in s.interfaces] == [i.index for i in inv.devices[name].interfaces]
            for i in s.interfaces:
                idx = i.if_index
                assert i.in_octets == twin.view.get(IFX_ENTRY + (6, idx), t)
                assert i.out_octets == twin.view.get(IFX_ENTRY + (10, idx), t)
                assert i.in_errors == twin.view.get(IF_ENTRY + (14, idx), t)
                assert i.out_discards == twin.view.get(IF_ENTRY + (19, idx), t)
                assert i.oper_status == twin.view.get(IF_ENTRY + (8, idx), t)
                assert i.admin_status == twin.view.get(IF_ENTRY + (7, idx), t)
    # the link fault shows on both ends, as over SNMP
    ports = {d: {i.name: i for i in parse_payload(p.device(d).payload(START + 20), 1 << 20).interfaces}
             for d in (ce, collect)}
    lk = inv.links[link]
    assert ports[lk.a.device][lk.a.interface].oper_status == 2 and ports[lk.b.device][lk.b.interface].oper_status == 2
    assert ports[lk.a.device][lk.a.interface].oper_status == 2


def test_device_metrics_are_plausible_and_site_devices_report_their_pop(inv: Inventory) -> None:
    p = publishers(inv)
    for name, dev in inv.devices.items():
        s = parse_payload(p.device(name).payload(START + 100), 1 << 20)
        assert 0 <= s.cpu_pct <= 100 and 30 <= s.mem_pct <= 99
        if dev.site is None:
            assert s.rtt_ms is None
        else:
            assert s.rtt_ms is not None and s.jitter_ms is not None and s.loss_pct == 0.0
            if uplink_medium(inv, name) is Medium.SATELLITE:
                assert s.rtt_ms > 500
            elif uplink_medium(inv, name) is Medium.FIBRE:
                assert s.rtt_ms < 7


def test_silent_lossy_slow_and_broken_devices(inv: Inventory) -> None:
    _, ce, _ = access(inv)
    other = next(n for n, d in inv.devices.items() if d.site and n != ce and not n.startswith(ce[:6]))
    p = publishers(inv, f"""
[[fault]]
at = 0
kind = "device_down"
device = "{ce}"
duration = 100
[[fault]]
at = 100
kind = "packet_loss"
device = "{ce}"
percent = 50
duration = 1000
[[fault]]
at = 0
kind = "slow_agent"
device = "{other}"
delay_ms = 1500
duration = 50
[[fault]]
at = 50
kind = "malformed"
device = "{other}"
mode = "garbage"
duration = 10
[[fault]]
at = 60
kind = "malformed"
device = "{other}"
mode = "bad_length"
duration = 10
[[fault]]
at = 70
kind = "malformed"
device = "{other}"
mode = "wrong_request_id"
duration = 10
""", seed=3)
    assert p.message(ce, START + 50) is None and p.stats.silent == 1
    sent = [p.message(ce, START + 100 + 7 * k) for k in range(140)]
    lost = sum(m is None for m in sent)
    assert 50 < lost < 90 and p.stats.lost == lost
    shown = parse_payload(next(m for m in sent if m is not None)[1], 1 << 20)
    assert shown.loss_pct == 50.0
    topic, payload, when = p.message(other, START + 10) or ("", b"", 0.0)
    assert when == START + 11.5 and parse_payload(payload, 1 << 20).ts == START + 10  # late, its own time
    assert topic == f"rie/telemetry/{inv.devices[other].site}/{other}"
    for t, reason in ((55.0, BAD_JSON), (65.0, BAD_SCHEMA)):
        m = p.message(other, START + t)
        assert m is not None
        with pytest.raises(PayloadError) as info:
            parse_payload(m[1], 1 << 20)
        assert info.value.reason == reason
    dup = p.message(other, START + 75)  # the last good sample (t=10) again
    assert dup is not None and dup[1] == payload and p.stats.duplicates == 1
    assert p.stats.malformed == 2 and p.stats.delayed >= 1


def test_reboot_restarts_uptime_and_counters_with_a_busy_cpu(inv: Inventory) -> None:
    _, ce, _ = access(inv)
    p = publishers(inv, f'[[fault]]\nat = 100\nkind = "reboot"\ndevice = "{ce}"\ndowntime = 60\n')
    assert p.message(ce, START + 130) is None
    m = p.message(ce, START + 170)
    assert m is not None
    s = parse_payload(m[1], 1 << 20)
    assert s.uptime_s == 10.0 and s.cpu_pct >= 85
    before = parse_payload(p.device(ce).payload(START + 90), 1 << 20)
    assert sum(i.in_octets or 0 for i in s.interfaces) < sum(i.in_octets or 0 for i in before.interfaces)


def test_schedule_spreads_devices_and_counts_what_an_outage_left_unsent(inv: Inventory) -> None:
    p = publishers(inv, period_s=10.0)
    n = len(p.names)
    assert p.phases == sorted(p.phases) and p.phases[0] < 1.0 and p.phases[-1] > 9.0
    p._catch_up(START + 1000.0, count_unsent=True)  # the first time: nothing counted
    assert p.stats.unsent == 0 and p._next == START + 1000.0
    p._catch_up(START + 1035.0, count_unsent=True)  # 3.5 periods later
    assert p._next == START + 1030.0
    assert p.stats.unsent == 3 * n + sum(ph < 5.0 for ph in p.phases)


def test_configuration_errors_are_reported_at_once(inv: Inventory) -> None:
    with pytest.raises(ConfigError, match="'NOPE' not in inventory"):
        publishers(inv, devices=["NOPE"])
    with pytest.raises(ConfigError, match="credentials are given apart"):
        broker_address("mqtt://u:p@127.0.0.1")
    assert broker_address("mqtts://localhost") == ("localhost", 8883, True)
    assert isinstance(publishers(inv).device("DC1-A"), TelemetryDevice)


def test_publisher_thread_retries_an_unreachable_broker_and_stops_when_told(inv: Inventory) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tl = FaultTimeline(None, inv)
    thread = PublisherThread(PublisherSettings(inv, tl, time.time(), f"mqtt://127.0.0.1:{port}", period_s=0.2,
                                               devices=sorted(inv.devices)[:5], reconnect_max_s=0.2))
    thread.start()
    time.sleep(1.0)
    began = time.monotonic()
    stats = thread.stop(5.0)
    assert time.monotonic() - began < 1.0 and thread.error is None
    assert stats.connects == 0 and stats.published == 0 and stats.unsent > 5
    assert len(stats.errors) >= 2 and stats.errors[0].startswith(f"telemetry broker mqtt://127.0.0.1:{port}: ")
    assert "Connection refused" in stats.errors[0]
