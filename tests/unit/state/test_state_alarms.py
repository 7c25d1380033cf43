"""Alarms: stable ids, acknowledgement, updates keep the id and the acknowledgement, snapshot."""

from __future__ import annotations

import json

import pytest

from tests.unit.state.statekit import Net, small_inventory
from vigie.state import (
    AlarmAcked,
    AlarmCleared,
    AlarmKind,
    AlarmUpdated,
    MaintenanceWindow,
    SiteState,
    UnknownElement,
)


@pytest.fixture
def net() -> Net:
    n = Net(small_inventory())
    n.cycle()
    return n


def test_ack(net: Net) -> None:
    net.cycles(3, dead=["E2-R1"])
    [alarm] = net.engine.active_alarms()
    acked = net.engine.ack(alarm.id, "noc-alice", net.now)
    assert isinstance(acked, AlarmAcked)
    assert (acked.alarm.id, acked.alarm.acked_by, acked.alarm.acked_at) == (alarm.id, "noc-alice", net.now)
    assert net.engine.active_alarms()[0].acked_by == "noc-alice"
    [cleared] = [e for e in net.cycle() if isinstance(e, AlarmCleared)]
    assert cleared.alarm.id == alarm.id and cleared.alarm.acked_by == "noc-alice"
    with pytest.raises(UnknownElement, match=f"alarm {alarm.id} is not active"):
        net.engine.ack(alarm.id, "noc-bob", net.now)


def test_ids_are_stable_and_increasing(net: Net) -> None:
    net.cycles(3, dead=["E2-R1"])
    net.cycle()
    net.cycles(3, dead=["E1-R1"])
    [alarm] = net.engine.active_alarms()
    assert alarm.id == 2 and alarm.element == "E1"


def test_an_update_keeps_id_and_acknowledgement(net: Net) -> None:
    pop = [d for d, x in net.inv.devices.items() if x.location == "PAR"]
    net.cycles(3, dead=pop)
    [core] = [a for a in net.engine.active_alarms() if a.element == "PAR-CA"]
    net.engine.ack(core.id, "noc", net.now)
    assert not [e for e in net.cycle(dead=pop) if isinstance(e, AlarmUpdated)]  # same input: no update
    # a site behind it goes into maintenance: the impact shrinks, same alarm, still acknowledged
    net.engine.set_maintenance([MaintenanceWindow("E1", net.now, net.now + 600)])
    events = net.cycle(dead=pop)
    [update] = [e for e in events if isinstance(e, AlarmUpdated) and e.alarm.element == "PAR-CA"]
    assert (update.alarm.id, update.alarm.acked_by) == (core.id, "noc")
    assert update.alarm.sites == core.sites - 1


def test_snapshot_is_plain_data(net: Net) -> None:
    net.cycles(3, dead=["E2-R1"])
    snap = net.engine.snapshot()
    text = json.dumps(snap)
    back = json.loads(text)
    assert back["sites"]["E2"]["state"] == "down" and back["devices"]["E2-R1"]["cause"] == "timeout"
    assert back["counts"]["down"] == 1 and back["alarms"][0]["kind"] == AlarmKind.SITE_DOWN.value
    assert net.engine.counts()[SiteState.DOWN] == 1
