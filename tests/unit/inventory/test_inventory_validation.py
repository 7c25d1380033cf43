"""Inventory files that are wrong: every message names the place (JSON path and record) and the fix."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from simulators.rie import generate_rie
from vigie.errors import InventoryInvalid
from vigie.inventory import check_inventory, dump_inventory, load_inventory, write_inventory


def minimal() -> dict[str, Any]:
    """A valid inventory: one POP, one collect router, one economy site with one CE."""
    return {
        "format": "vigie-inventory", "version": 1, "name": "test",
        "access_classes": [{"name": "economy", "availability_target_pct": 99.5, "gtr_hours": 8.0,
                            "expected_redundancy": 1}],
        "snmp_profiles": [{"name": "lab", "version": "2c", "community_ref": "env:VIGIE_SNMP_COMMUNITY"}],
        "regions": [{"code": "IDF", "name": "Île-de-France"}],
        "locations": [{"code": "PAR", "name": "POP Paris", "kind": "pop", "region": "IDF"}],
        "sites": [{"code": "S00001", "name": "Préfecture de Paris", "region": "IDF", "pop": "PAR",
                   "access_class": "economy", "lot": "LOT1", "devices": ["S00001-R1"]}],
        "devices": [
            {"name": "PAR-C01", "role": "collect", "vendor": "cisco", "model": "ASR-920-24SZ-M",
             "mgmt_address": "127.2.0.1", "snmp_profile": "lab", "location": "PAR",
             "interfaces": [{"index": 1, "name": "GigabitEthernet0/0/0", "speed_mbps": 1000},
                            {"index": 2, "name": "GigabitEthernet0/0/1", "speed_mbps": 1000}]},
            {"name": "S00001-R1", "role": "ce", "vendor": "cisco", "model": "ISR4331",
             "mgmt_address": "127.16.0.1", "snmp_profile": "lab", "site": "S00001",
             "interfaces": [{"index": 1, "name": "GigabitEthernet0/0/0", "speed_mbps": 1000},
                            {"index": 2, "name": "GigabitEthernet0/0/1", "speed_mbps": 1000, "admin": "down"}]},
        ],
        "links": [{"id": "ACC-S00001-R1", "a": "PAR-C01:GigabitEthernet0/0/0", "b": "S00001-R1:GigabitEthernet0/0/0",
                   "layer": "access", "medium": "fibre", "capacity_mbps": 100}],
    }


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "inventory.json"
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    return path


def problems_of(tmp_path: Path, doc: Any) -> list[str]:
    path = write(tmp_path, doc)
    problems = check_inventory(path)
    with pytest.raises(InventoryInvalid) as err:
        load_inventory(path)
    assert err.value.problems == problems
    return problems


def test_minimal_inventory_is_valid(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, minimal()))
    assert check_inventory(write(tmp_path, minimal())) == []
    assert inv.device("S00001-R1").site == "S00001"


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "vigie-inventory",\n  "version": 1,,\n}\n')
    (problem,) = check_inventory(path)
    assert problem.startswith("line 3 column ")
    assert "not valid JSON" in problem and "fix the syntax" in problem
    with pytest.raises(InventoryInvalid, match="line 3 column"):
        load_inventory(path)


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    from vigie.errors import InventoryError

    with pytest.raises(InventoryError, match="vigie inventory generate"):
        load_inventory(tmp_path / "nowhere.json")


def test_wrong_version(tmp_path: Path) -> None:
    doc = minimal()
    doc["version"] = 2
    assert problems_of(tmp_path, doc) == ["$.version: 2 is not supported; this Vigie reads version 1"]


def test_unknown_field_suggests_the_right_one(tmp_path: Path) -> None:
    doc = minimal()
    dev = doc["devices"][1]
    dev["mgmt_adress"] = dev.pop("mgmt_address")
    problems = problems_of(tmp_path, doc)
    assert "$.devices[1](S00001-R1).mgmt_adress: unknown field; did you mean 'mgmt_address'?" in problems
    assert any(p.startswith("$.devices[1](S00001-R1).mgmt_address: missing; add") for p in problems)


def test_inline_secret_is_refused(tmp_path: Path) -> None:
    doc = minimal()
    profile = doc["snmp_profiles"][0]
    del profile["community_ref"]
    profile["community"] = "public"
    problems = problems_of(tmp_path, doc)
    secret = [p for p in problems if p.startswith("$.snmp_profiles[0](lab).community:")]
    assert secret and all("secrets are never written" in p and '"community_ref": "env:NAME"' in p for p in secret)
    assert all("public" not in p for p in problems)  # the secret is never echoed back


def test_secret_reference_must_be_env_or_file(tmp_path: Path) -> None:
    doc = minimal()
    doc["snmp_profiles"][0]["community_ref"] = "public"
    problems = problems_of(tmp_path, doc)
    assert any(p.startswith("$.snmp_profiles[0](lab).community_ref:") and '"env:VARIABLE"' in p for p in problems)


def test_duplicate_device_names(tmp_path: Path) -> None:
    doc = minimal()
    twin = copy.deepcopy(doc["devices"][0])
    twin["mgmt_address"] = "127.2.0.2"
    doc["devices"].append(twin)
    problems = problems_of(tmp_path, doc)
    assert ("$.devices[2](PAR-C01).name: device 'PAR-C01' already used at $.devices[0](PAR-C01); "
            "each must be unique: rename one") in problems


def test_duplicate_management_address(tmp_path: Path) -> None:
    doc = minimal()
    doc["devices"][1]["mgmt_address"] = "127.2.0.1"
    (problem,) = problems_of(tmp_path, doc)
    assert problem.startswith("$.devices[1](S00001-R1).mgmt_address: management address '127.2.0.1' "
                              "already used at $.devices[0](PAR-C01)")
    assert "unique" in problem


def test_link_to_missing_device(tmp_path: Path) -> None:
    doc = minimal()
    doc["links"][0]["b"] = "S09999-R1:GigabitEthernet0/0/0"
    assert problems_of(tmp_path, doc) == ["$.links[0](ACC-S00001-R1).b: device 'S09999-R1' not in inventory; "
                                          "add it to $.devices or fix this end of the link"]


def test_link_to_missing_interface(tmp_path: Path) -> None:
    doc = minimal()
    doc["links"][0]["a"] = "PAR-C01:GigabitEthernet0/0/7"
    assert problems_of(tmp_path, doc) == [
        "$.links[0](ACC-S00001-R1).a: interface 'GigabitEthernet0/0/7' is not on device 'PAR-C01'; use one of "
        "its interfaces (GigabitEthernet0/0/0, GigabitEthernet0/0/1, ...) or add it to the device"]


def test_link_endpoint_must_name_device_and_interface(tmp_path: Path) -> None:
    doc = minimal()
    doc["links"][0]["a"] = "PAR-C01"
    (problem,) = problems_of(tmp_path, doc)
    assert problem.startswith("$.links[0](ACC-S00001-R1).a: 'PAR-C01' must be \"DEVICE:INTERFACE\"")


def test_interface_used_by_two_links(tmp_path: Path) -> None:
    doc = minimal()
    doc["links"].append({"id": "LAN-X", "a": "PAR-C01:GigabitEthernet0/0/1", "b": "S00001-R1:GigabitEthernet0/0/0",
                         "layer": "lan", "medium": "ethernet", "capacity_mbps": 1000})
    assert problems_of(tmp_path, doc) == [
        "$.links[1](LAN-X).b: S00001-R1:GigabitEthernet0/0/0 is already used by link 'ACC-S00001-R1'; an "
        "interface carries one link: pick a free interface"]


def test_site_with_undefined_access_class(tmp_path: Path) -> None:
    doc = minimal()
    doc["sites"][0]["access_class"] = "gold"
    problems = problems_of(tmp_path, doc)
    assert ("$.sites[0](S00001).access_class: access class 'gold' is not defined; "
            "use one of economy") in problems


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    doc = minimal()
    doc["devices"][1]["role"] = "router"
    doc["links"][0]["capacity_mbps"] = 0
    doc["sites"][0]["pop"] = "XXX"
    problems = problems_of(tmp_path, doc)
    assert any(p.startswith("$.devices[1](S00001-R1).role: 'router' is not one of datacentre, core") for p in problems)
    assert any(p.startswith("$.links[0](ACC-S00001-R1).capacity_mbps: 0 must be positive") for p in problems)
    assert any(p.startswith("$.sites[0](S00001).pop: 'XXX' is not a POP") for p in problems)


def test_generated_inventory_round_trips_byte_for_byte(tmp_path: Path) -> None:
    inv = generate_rie(sites=60, seed=5, snmp="mixed")
    path = tmp_path / "rie.json"
    write_inventory(inv, path)
    assert check_inventory(path) == []
    assert dump_inventory(load_inventory(path)) == path.read_bytes() == dump_inventory(inv)
