"""Device evidence: hysteresis, errors that mean "it answered", not-measured results, events
emitted once per transition."""

from __future__ import annotations

import pytest

from tests.unit.state.statekit import Net, changes, poll, small_inventory
from vigie.observations import DevicePoll, PollError
from vigie.state import (
    AlarmCleared,
    AlarmKind,
    AlarmRaised,
    DeviceState,
    EngineSettings,
    SettingsInvalid,
    Severity,
    SiteState,
    UnknownElement,
)


@pytest.fixture
def net() -> Net:
    n = Net(small_inventory())
    n.cycle()
    return n


def fail(net: Net, name: str) -> list[object]:
    events = net.engine.observe(poll(net.inv, name, net.now, PollError.TIMEOUT), net.now)
    net.now += 60
    return list(events)


def answer(net: Net, name: str, error: PollError | None = None) -> list[object]:
    events = net.engine.observe(poll(net.inv, name, net.now, error), net.now)
    net.now += 60
    return list(events)


def test_first_cycle_brings_everything_up() -> None:
    n = Net(small_inventory())
    assert n.engine.device_state("E1-R1") is DeviceState.UNKNOWN
    assert n.engine.counts()[SiteState.UNKNOWN] == 4
    events = n.cycle()
    assert {e.new for e in changes(events, "device")} == {DeviceState.UP}
    assert n.engine.counts()[SiteState.UP] == 4
    assert not n.engine.active_alarms()


def test_a_single_lost_poll_is_nothing(net: Net) -> None:
    assert fail(net, "E2-R1") == []
    assert net.engine.device_state("E2-R1") is DeviceState.UP
    assert answer(net, "E2-R1") == []
    assert net.engine.site_state("E2") is SiteState.UP


def test_down_only_after_n_consecutive_failures(net: Net) -> None:
    assert fail(net, "E2-R1") == [] and fail(net, "E2-R1") == []
    events = fail(net, "E2-R1")
    [change] = changes(events, "device")
    assert (change.old, change.new, change.cause) == (DeviceState.UP, DeviceState.DOWN, "timeout")
    assert net.engine.site_state("E2") is SiteState.DOWN
    assert fail(net, "E2-R1") == []  # nothing new: no duplicate event
    events = answer(net, "E2-R1")
    assert [(c.element, c.new) for c in changes(events, "device")] == [("E2-R1", DeviceState.UP)]
    assert net.engine.site_state("E2") is SiteState.UP


def test_failures_interrupted_by_an_answer_start_again(net: Net) -> None:
    fail(net, "E2-R1"), fail(net, "E2-R1"), answer(net, "E2-R1"), fail(net, "E2-R1"), fail(net, "E2-R1")
    assert net.engine.device_state("E2-R1") is DeviceState.UP


@pytest.mark.parametrize("n", [1, 2, 5])
def test_failures_to_down_is_configurable(n: int) -> None:
    net = Net(small_inventory(), EngineSettings(failures_to_down=n))
    net.cycle()
    for _ in range(n - 1):
        fail(net, "E2-R1")
    assert net.engine.device_state("E2-R1") is DeviceState.UP
    fail(net, "E2-R1")
    assert net.engine.device_state("E2-R1") is DeviceState.DOWN


def test_successes_to_up(net: Net) -> None:
    net = Net(small_inventory(), EngineSettings(successes_to_up=2))
    net.cycle()
    for _ in range(3):
        fail(net, "E2-R1")
    answer(net, "E2-R1")
    assert net.engine.device_state("E2-R1") is DeviceState.DOWN
    answer(net, "E2-R1")
    assert net.engine.device_state("E2-R1") is DeviceState.UP


@pytest.mark.parametrize("error", [PollError.AUTH_FAILURE, PollError.UNKNOWN_USER, PollError.DECODE_ERROR,
                                   PollError.NOT_IN_TIME_WINDOW, PollError.NO_DATA])
def test_it_answered_but_we_could_not_read_it(net: Net, error: PollError) -> None:
    events = []
    for _ in range(5):
        events += answer(net, "E2-R1", error)
    assert net.engine.device_state("E2-R1") is DeviceState.UP
    assert net.engine.site_state("E2") is SiteState.UP
    raised = [e for e in events if isinstance(e, AlarmRaised)]
    assert len(raised) == 1  # once, not once per poll
    alarm = raised[0].alarm
    assert (alarm.kind, alarm.severity, alarm.element, alarm.cause) == (AlarmKind.MONITORING, Severity.WARNING,
                                                                        "E2-R1", error.value)
    assert not changes(events, "device")
    cleared = [e for e in answer(net, "E2-R1") if isinstance(e, AlarmCleared)]
    assert [c.alarm.id for c in cleared] == [alarm.id]
    assert not net.engine.active_alarms()


def test_send_error_counts_as_a_failure(net: Net) -> None:
    for _ in range(3):
        answer(net, "E2-R1", PollError.SEND_ERROR)
    assert net.engine.device_state("E2-R1") is DeviceState.DOWN
    assert net.engine.device_status("E2-R1").cause == "send_error"


@pytest.mark.parametrize("error", [PollError.SKIPPED, PollError.CONFIG])
def test_not_measured_results_change_no_evidence(net: Net, error: PollError) -> None:
    fail(net, "E2-R1"), fail(net, "E2-R1")
    for _ in range(2):
        assert not changes(answer(net, "E2-R1", error), "device")
    fail(net, "E2-R1")  # the third failure in a row: skipped polls did not reset the count
    assert net.engine.device_state("E2-R1") is DeviceState.DOWN


def test_config_error_raises_a_monitoring_alarm(net: Net) -> None:
    answer(net, "E2-R1", PollError.CONFIG)
    [alarm] = net.engine.active_alarms()
    assert (alarm.kind, alarm.cause) == (AlarmKind.MONITORING, "config")


def test_identical_input_emits_nothing_again(net: Net) -> None:
    pop = [d for d, x in net.inv.devices.items() if x.location == "PAR"]
    first = net.cycles(4, dead=pop)
    assert changes(first, "site")
    for _ in range(3):
        assert net.cycle(dead=pop) == []
    net.cycle()
    assert net.cycle() == []
    # one event per transition: each element changes at most twice over the outage and back
    per_element: dict[tuple[str, str], int] = {}
    for c in changes(first):
        per_element[(c.kind, c.element)] = per_element.get((c.kind, c.element), 0) + 1
    assert max(per_element.values()) <= 2


def test_interfaces_changes_are_events(net: Net) -> None:
    events = net.engine.observe(poll(net.inv, "PAR-C02", net.now, down_links={"ACC-E1-R1"}), net.now)
    [itf] = changes(events, "interface")
    assert (itf.old, itf.new) == ("up", "down")
    assert itf.element.startswith("PAR-C02:")
    [link] = changes(events, "link")
    assert (link.element, link.new) == ("ACC-E1-R1", "down")


def test_unknown_device_is_refused(net: Net) -> None:
    with pytest.raises(UnknownElement, match="device 'NOPE' not in inventory"):
        net.engine.observe(DevicePoll("NOPE", "127.0.0.9", net.now, 0.0), net.now)
    with pytest.raises(UnknownElement, match="site 'X' not in inventory"):
        net.engine.site_state("X")


def test_settings_are_checked() -> None:
    with pytest.raises(SettingsInvalid, match="failures_to_down=0"):
        EngineSettings(failures_to_down=0)
