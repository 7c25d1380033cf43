"""A recorded real device (snmpsim's ``.snmprec``) served by the farm next to the simulated
ones: net-snmp's walk of its system group gives back the recorded values."""

from __future__ import annotations

import pytest

from tests.integration.farmkit import (
    END_OF_MIB,
    RECORDED_ADDRESS,
    RECORDED_FILE,
    FarmHandle,
    hex_value,
    netsnmp,
    parse_records,
    v2c,
)

pytestmark = pytest.mark.integration

SYSTEM = "1.3.6.1.2.1.1"


def _recorded_system_group() -> dict[str, tuple[str, str]]:
    out = {}
    for line in RECORDED_FILE.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
        if line.startswith(SYSTEM + "."):
            oid, tag, value = line.split("|", 2)
            out["." + oid] = (tag, value)
    return out


def test_walk_of_system_group_matches_the_recording(farm: FarmHandle) -> None:
    expected = _recorded_system_group()
    assert len(expected) >= 7  # sysDescr .. sysServices at least
    # no MIB (-m ""): no DisplayString hint, so -Ox shows every string's bytes in hex
    r = netsnmp("snmpwalk", "-m", "", *v2c(), "-On", "-Ox", f"{RECORDED_ADDRESS}:{farm.port}", SYSTEM)
    assert r.returncode == 0, r.stderr
    got = {o: v for o, v in parse_records(r.stdout) if not v.startswith(END_OF_MIB)}
    assert list(got) == sorted(expected, key=lambda o: tuple(map(int, o.strip(".").split("."))))
    for oid, (tag, value) in expected.items():
        shown = got[oid]
        if tag in ("4", "4x"):
            assert hex_value(shown) == (bytes.fromhex(value) if tag == "4x" else value.encode()), oid
        elif tag == "6":
            assert shown == f"OID: .{value}", oid
        elif tag == "67":
            assert shown.startswith(f"Timeticks: ({value}) "), oid
        elif tag == "2":
            assert shown == f"INTEGER: {value}", oid
        else:
            pytest.fail(f"{oid}: tag {tag} not expected in the system group of {RECORDED_FILE.name}")


def test_recorded_device_get_and_missing_instance(farm: FarmHandle) -> None:
    r = netsnmp("snmpget", *v2c(), "-On", f"{RECORDED_ADDRESS}:{farm.port}", ".1.3.6.1.2.1.1.5.0",
                ".1.3.6.1.2.1.1.5.1")
    assert r.returncode == 0, r.stderr
    got = dict(parse_records(r.stdout))
    assert got[".1.3.6.1.2.1.1.5.0"] == "STRING: DUMSYS-90"
    assert got[".1.3.6.1.2.1.1.5.1"] == "No Such Instance currently exists at this OID"
