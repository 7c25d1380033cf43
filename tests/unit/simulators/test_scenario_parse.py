"""Scenario files: every fault kind parses; every problem is reported with its place and its fix."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from simulators.scenario import FaultKind, Scenario, ScenarioInvalid, load_scenario, parse_duration, parse_scenario
from tests.unit.simulators.scenario_fixtures import small_inventory
from vigie.errors import ScenarioError

INV = small_inventory()

ALL_KINDS = """
name = "every kind"
description = "one of each"
seed = 42

[[fault]]
at = "30s"
kind = "device_down"
device = "PAR-K01"
duration = "2m"

[[fault]]
at = 10
kind = "device_down"
site = "S00002"

[[fault]]
at = "1m"
kind = "device_down"
devices = ["S00001-R1", "S00003-R1", "S00001-R1"]
duration = 5

[[fault]]
at = "1h30m"
kind = "link_down"
link = "PAR-C01--LYS-C01"

[[fault]]
at = "0s"
kind = "link_down"
interface = "PAR-K01:Gi0/1"
duration = "90s"

[[fault]]
at = 5
kind = "interface_down"
interface = "S00003-R1:Gi0/9"
note = "lone interface"

[[fault]]
at = 7
kind = "pop_loss"
pop = "LYS"
duration = "10m"

[[fault]]
at = 100
kind = "flap"
link = "LYS-K01--S00003-R1"
period = "20s"
count = 3

[[fault]]
at = 100
kind = "flap"
interface = "S00002-R1:Gi0/1"
period = "1m"
count = 2
down_for = "10s"

[[fault]]
at = 3
kind = "packet_loss"
pop = "PAR"
percent = 12.5
duration = "1m"

[[fault]]
at = 3
kind = "slow_agent"
site = "S00001"
delay_ms = 250

[[fault]]
at = 600
kind = "reboot"
device = "S00003-R1"

[[fault]]
at = 700
kind = "reboot"
device = "S00001-R1"
downtime = "2m"

[[fault]]
at = 800
kind = "counter_wrap"
interface = "S00001-R1:Gi0/0"

[[fault]]
at = 800
kind = "counter_wrap"
interface = "S00001-R1:Gi0/1"
counter = 64

[[fault]]
at = 20
kind = "malformed"
device = "S00002-R2"
mode = "wrong_request_id"
duration = "30s"
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioInvalid) as info:
        parse_scenario(text, INV, "t.toml")
    assert isinstance(info.value, ScenarioError)
    assert str(info.value).startswith("t.toml: ")
    return info.value.problems


def one_fault(body: str) -> list[str]:
    return problems_of(f"name = \"x\"\n[[fault]]\n{body}\n")


def test_every_kind_parses_with_resolved_targets() -> None:
    sc = parse_scenario(ALL_KINDS, INV, "all.toml")
    assert isinstance(sc, Scenario)
    assert (sc.name, sc.description, sc.seed, sc.source) == ("every kind", "one of each", 42, "all.toml")
    f = sc.faults
    assert {x.kind for x in f} == set(FaultKind)
    assert [x.index for x in f] == list(range(len(f)))
    assert (f[0].devices, f[0].at, f[0].end, f[0].windows) == (("PAR-K01",), 30.0, 150.0, ((30.0, 150.0),))
    assert f[1].devices == ("S00002-R1", "S00002-R2") and f[1].end == math.inf
    assert f[2].devices == ("S00001-R1", "S00003-R1")  # duplicates dropped
    assert (f[3].link, f[3].at) == ("PAR-C01--LYS-C01", 5400.0)
    assert (f[4].link, f[4].interface) == ("PAR-K01--S00001-R1", ("PAR-K01", "Gi0/1"))
    assert (f[5].link, f[5].interface, f[5].note) == (None, ("S00003-R1", "Gi0/9"), "lone interface")
    assert f[6].devices == ("LYS-C01", "LYS-K01")
    assert f[7].windows == ((100.0, 110.0), (120.0, 130.0), (140.0, 150.0)) and f[7].end == 150.0
    assert f[8].link == "S00002-R1--S00002-R2" and f[8].windows == ((100.0, 110.0), (160.0, 170.0))
    assert (f[9].devices, f[9].percent, f[9].end) == (("PAR-C01", "PAR-K01"), 12.5, 63.0)
    assert (f[10].devices, f[10].delay_ms) == (("S00001-R1", "S00001-R2"), 250.0)
    assert f[11].windows == ((600.0, 660.0),) and f[12].windows == ((700.0, 820.0),)
    assert (f[13].counter, f[14].counter, f[14].end) == (32, 64, 800.0)
    assert (f[15].mode, f[15].end) == ("wrong_request_id", 50.0)


@pytest.mark.parametrize(("text", "seconds"), [
    (90, 90.0), (1.5, 1.5), ("90s", 90.0), ("2m", 120.0), ("1h30m", 5400.0), ("500ms", 0.5),
    ("1m30s", 90.0), ("1d", 86400.0), ("45", 45.0), ("2.5m", 150.0)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5x", "", "1s2m", "1m1m", "-5s", "m", True, None, [1], float("nan")])
def test_bad_durations(text: object) -> None:
    assert parse_duration(text) is None


def test_device_not_in_inventory_names_place_and_suggests() -> None:
    text = ALL_KINDS + '\n[[fault]]\nat = 1\nkind = "device_down"\ndevice = "S01234-R9"\n'
    [problem] = problems_of(text)
    assert problem.startswith("fault[16].device: device 'S01234-R9' not in inventory")
    [problem] = one_fault('at = 1\nkind = "reboot"\ndevice = "S00003-R2"')
    assert problem == "fault[0].device: device 'S00003-R2' not in inventory; did you mean 'S00003-R1'?"


@pytest.mark.parametrize(("body", "expected"), [
    ('at = 1\nkind = "device_dwn"\ndevice = "PAR-K01"', "fault[0].kind: unknown kind 'device_dwn'; did you mean "
                                                         "'device_down'?"),
    ('at = 1\ndevice = "PAR-K01"', "fault[0].kind: missing; add kind = one of device_down"),
    ('kind = "device_down"\ndevice = "PAR-K01"', 'fault[0].at: missing; add at = "30s"'),
    ('at = 1\nkind = "device_down"', "fault[0].device: missing; add device = ... or site = ... or devices = ..."),
    ('at = 1\nkind = "device_down"\ndevice = "PAR-K01"\nsite = "S00001"', "fault[0].site: device_down needs "
                                                                          "exactly one target"),
    ('at = 1\nkind = "device_down"\ndevice = "PAR-K01"\ndurration = "1m"', "fault[0].durration: unknown field; "
                                                                           "did you mean 'duration'?"),
    ('at = 1\nkind = "device_down"\ndevice = "PAR-K01"\npercent = 5', "fault[0].percent: not a field of device_down "
                                                                      "(it belongs to packet_loss)"),
    ('at = 1\nkind = "reboot"\ndevice = "PAR-K01"\nduration = "1m"', 'fault[0].duration: unknown field for '
                                                                     'reboot: a reboot lasts its "downtime"'),
    ('at = "5x"\nkind = "device_down"\ndevice = "PAR-K01"', "fault[0].at: '5x' is not a duration; write a number of "
                                                            'seconds (90, 1.5) or a string like "90s", "2m"'),
    ('at = -3\nkind = "device_down"\ndevice = "PAR-K01"', "fault[0].at: -3 must be >= 0 seconds"),
    ('at = 1\nkind = "device_down"\ndevice = "PAR-K01"\nduration = 0', "fault[0].duration: 0 must be > 0 seconds"),
    ('at = 1\nkind = "packet_loss"\ndevice = "PAR-K01"\npercent = 150', "fault[0].percent: 150 is out of range; use "
                                                                        "a number in 0..100"),
    ('at = 1\nkind = "packet_loss"\ndevice = "PAR-K01"', "fault[0].percent: missing; add percent = a number in 0..100"),
    ('at = 1\nkind = "slow_agent"\ndevice = "PAR-K01"\ndelay_ms = -1', "fault[0].delay_ms: -1 is out of range"),
    ('at = 1\nkind = "flap"\nlink = "PAR-C01--LYS-C01"\nperiod = "20s"\ncount = 0', "fault[0].count: 0 is not a "
                                                                                    "flap count; use an integer >= 1"),
    ('at = 1\nkind = "flap"\nlink = "PAR-C01--LYS-C01"\nperiod = "20s"\ncount = 2\ndown_for = "20s"',
     "fault[0].down_for: '20s' must be shorter than period '20s'"),
    ('at = 1\nkind = "flap"\nlink = "PAR-C01--LYS-C01"\ncount = 2', 'fault[0].period: missing; add period = "30s"'),
    ('at = 1\nkind = "counter_wrap"\ninterface = "PAR-K01:Gi0/0"\ncounter = 16', "fault[0].counter: 16 is not a "
                                                                                "counter width; use 32 or 64"),
    ('at = 1\nkind = "malformed"\ndevice = "PAR-K01"\nmode = "junk"', "fault[0].mode: 'junk' is not a mode; use "
                                                                     '"garbage" | "truncated" | "bad_length"'),
    ('at = 1\nkind = "link_down"\nlink = "PAR-C01--LYS-C02"', "fault[0].link: link 'PAR-C01--LYS-C02' not in "
                                                              "inventory; did you mean 'PAR-C01--LYS-C01'?"),
    ('at = 1\nkind = "link_down"\ninterface = "S00003-R1:Gi0/9"', "fault[0].interface: no link on interface "
                                                                  "'S00003-R1:Gi0/9'; use kind = \"interface_down\""),
    ('at = 1\nkind = "interface_down"\ninterface = "S00003-R1"', "fault[0].interface: 'S00003-R1' is not "
                                                                 'DEVICE:IFNAME; write e.g. "S00012-R1:Gi0/0"'),
    ('at = 1\nkind = "interface_down"\ninterface = "S00003-R1:Gi0/8"', "fault[0].interface: interface 'Gi0/8' not "
                                                                       "on device 'S00003-R1'; did you mean 'Gi0/9'?"),
    ('at = 1\nkind = "device_down"\nsite = "S09999"', "fault[0].site: site 'S09999' not in inventory"),
    ('at = 1\nkind = "pop_loss"\npop = "MRS"', "fault[0].pop: pop 'MRS' not in inventory; POPs and datacentres are "
                                              "DC1, LYS, PAR"),
    ('at = 1\nkind = "device_down"\ndevices = []', "fault[0].devices: must be a non-empty list of device names"),
    ('at = 1\nkind = "device_down"\ndevices = ["PAR-K01", "NOPE"]', "fault[0].devices[1]: device 'NOPE' not in "
                                                                    "inventory"),
    ('at = 1\nkind = "device_down"\ndevice = "PAR-K01"\nnote = 3', "fault[0].note: 3 is not a string"),
])
def test_each_validation_error_names_place_and_fix(body: str, expected: str) -> None:
    problems = one_fault(body)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems[0]


def test_every_problem_is_reported_at_once() -> None:
    text = """
name = "broken"
faults = []
[[fault]]
at = "5x"
kind = "device_down"
device = "S01234-R9"
[[fault]]
at = 1
kind = "flapp"
[[fault]]
at = -1
kind = "packet_loss"
pop = "PAR"
percent = 101
colour = "red"
"""
    problems = problems_of(text)
    assert problems[0].startswith("faults: unknown top-level field; did you mean 'fault'?")
    places = [p.split(":")[0] for p in problems[1:]]
    assert places == ["fault[0].at", "fault[0].device", "fault[1].kind", "fault[2].colour", "fault[2].at",
                      "fault[2].percent"]
    assert "did you mean 'flap'?" in problems[3]


def test_toml_syntax_error_gives_the_line() -> None:
    [problem] = problems_of('name = "x"\n[[fault]]\nat = 1\nkind = device_down\n')
    assert problem.startswith("TOML syntax error:") and "line 4" in problem


def test_fault_must_be_array_of_tables_and_top_level_types() -> None:
    problems = problems_of('name = 3\nseed = "x"\nfault = 5\n')
    assert [p.split(":")[0] for p in problems] == ["name", "seed", "fault"]


def test_empty_scenario_is_valid() -> None:
    sc = parse_scenario("", INV, "empty.toml")
    assert (sc.name, sc.faults, sc.seed) == ("empty.toml", (), 0)


def test_load_scenario_reads_file_and_reports_missing(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(ALL_KINDS, encoding="utf-8")
    sc = load_scenario(path, INV)
    assert sc.source == str(path) and len(sc.faults) == 16
    with pytest.raises(ScenarioError, match=r"does not exist; see docs/scenarios\.md"):
        load_scenario(tmp_path / "missing.toml", INV)
    path.write_text('[[fault]]\nkind = "reboot"\nat = 1\ndevice = "X"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"fault\[0\]\.device: device 'X' not in inventory"):
        load_scenario(path, INV)
