"""Vigie's parsers against real CLI outputs: ntc-templates' corpus with its expected parses.

The copied files (``tests/data/ntc``, Apache-2.0) always run; the whole corpus
(``../shared/corpora/ntc-templates``) runs too when it is there, and is skipped with a
message when it is not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from collectors.cli.parse import parse_interfaces, parse_lldp, parse_version, textfsm
from collectors.cli.platforms import expand_interface, platform_named

HERE = Path(__file__).resolve()
COPIED = HERE.parents[2] / "data" / "ntc"
CORPUS = HERE.parents[3].parent / "shared" / "corpora" / "ntc-templates" / "tests"
COMMANDS = {  # folder -> command as Vigie sends it
    ("cisco_ios", "show_version"): "show version",
    ("cisco_ios", "show_interfaces"): "show interfaces",
    ("cisco_ios", "show_lldp_neighbors_detail"): "show lldp neighbors detail",
    ("juniper_junos", "show_version"): "show version",
    ("juniper_junos", "show_interfaces"): "show interfaces",
    ("juniper_junos", "show_lldp_neighbors"): "show lldp neighbors",
    ("huawei_vrp", "display_version"): "display version",
    ("huawei_vrp", "display_interface_brief"): "display interface brief",
    ("huawei_vrp", "display_lldp_neighbor"): "display lldp neighbor",
}


def _cases(root: Path) -> list[Any]:
    out = []
    for (plat, folder), command in COMMANDS.items():
        for raw in sorted((root / plat / folder).glob("*.raw")):
            out.append(pytest.param(plat, command, raw, id=f"{plat}/{raw.stem}"))
    return out


def _expected(raw: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(raw.with_suffix(".yml").read_text())
    rows: list[dict[str, Any]] = data["parsed_sample"]
    return rows


def _check(plat: str, command: str, raw: Path) -> None:
    platform = platform_named(plat)
    text = raw.read_text()
    expected = _expected(raw)
    assert textfsm(platform, command, text) == expected
    # and Vigie's records carry the same facts, names made whole
    if "version" in command:
        v = parse_version(platform, text)
        first = expected[0]
        if plat == "cisco_ios":
            assert (v.hostname, v.os_version, v.uptime) == (first["hostname"], first["version"], first["uptime"])
            assert v.serial == (first["serial"][0] if first["serial"] else "")
        elif plat == "juniper_junos":
            assert (v.hostname, v.os_version, v.model) == (first["hostname"], first["junos_version"], first["model"])
        else:
            assert (v.model, v.uptime) == (first["model"], first["uptime"])
            assert v.os_version == first["product_version"].split()[-1]
    elif "lldp" in command:
        got = parse_lldp(platform, text)
        assert len(got) == len(expected)
        for n, row in zip(got, expected):
            assert n.local_interface == expand_interface(platform, row["local_interface"])
            assert n.system == row["neighbor_name"]
            assert n.chassis_id == row["chassis_id"]
            assert n.port == (row.get("neighbor_port_id") or row["neighbor_interface"])
    else:
        outputs = {command: text}
        got_if = parse_interfaces(platform, outputs)
        assert [i.name for i in got_if] == [expand_interface(platform, r["interface"].split("(")[0])
                                            for r in expected]
        for i, row in zip(got_if, expected):
            if plat == "cisco_ios":
                assert i.admin_up == ("administratively" not in row["link_status"])
                assert i.oper_up == row["protocol_status"].startswith("up")
                assert i.description == row["description"]
            elif plat == "juniper_junos":
                assert i.oper_up == (row["link_status"].lower() == "up")
            else:
                assert i.admin_up == (row["phy"] != "*down")
                assert i.oper_up == row["phy"].startswith("up")


@pytest.mark.parametrize(("plat", "command", "raw"), _cases(COPIED))
def test_copied_outputs_parse_as_expected(plat: str, command: str, raw: Path) -> None:
    _check(plat, command, raw)


def test_every_command_has_a_copied_output() -> None:
    covered = {(p.values[0], p.values[1]) for p in _cases(COPIED)}  # type: ignore[attr-defined]
    assert covered == {(plat, cmd) for (plat, _), cmd in COMMANDS.items()}


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"full ntc-templates corpus not found at {CORPUS}")
@pytest.mark.parametrize(("plat", "command", "raw"), _cases(CORPUS) if CORPUS.is_dir() else [])
def test_full_corpus_parses_as_expected(plat: str, command: str, raw: Path) -> None:
    _check(plat, command, raw)


def test_copied_files_keep_their_licence() -> None:
    assert (COPIED / "LICENSE").read_text().startswith("Copyright")
    assert "Apache" in (COPIED / "LICENSE").read_text()
    assert "d0bc5a480fe9" in (COPIED / "README.md").read_text()
