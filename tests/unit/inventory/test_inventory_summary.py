"""summarise / format_summary: the numbers of an inventory, and their terminal rendering."""

from __future__ import annotations

import orjson
import pytest

from simulators.rie import generate_rie
from vigie.inventory.summary import format_summary, summarise
from vigie.model import Inventory


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return generate_rie(sites=500, seed=7)


def test_counts_add_up(inv: Inventory) -> None:
    s = summarise(inv)
    assert s["sites"] == 500 and s["pops"] == 13 and s["datacentres"] == 4
    for key in ("sites_by_class", "sites_by_pop", "sites_by_region", "sites_by_lot"):
        assert sum(s[key].values()) == 500, key
    assert sum(s["devices_by_role"].values()) == sum(s["devices_by_vendor"].values()) == len(inv.devices)
    assert sum(s["links_by_layer"].values()) == sum(s["links_by_medium"].values()) == len(inv.links)
    assert s["interfaces"] == sum(len(d.interfaces) for d in inv.devices.values())
    assert s["interfaces_linked"] == 2 * len(inv.links)
    assert list(s["sites_by_class"]) == ["premium", "standard", "economy", "overseas"]
    assert list(s["sites_by_pop"])[:2] == ["PAR", "LYO"] and len(s["sites_by_pop"]) == 13
    for pop, n in s["sites_by_pop"].items():
        assert sum(s["sites_by_pop_and_class"][pop].values()) == n
    assert s["addresses"] == {"first": "127.1.0.1", "last": max(s["addresses_by_role"]["ce"]["last"],
                                                                 s["addresses_by_role"]["backup_4g"]["last"],
                                                                 key=lambda a: tuple(map(int, a.split(".")))),
                              "count": len(inv.devices)}
    orjson.dumps(s)  # JSON-ready


def test_format_is_aligned_tables(inv: Inventory) -> None:
    text = format_summary(summarise(inv))
    assert text.startswith("Inventory: RIE (synthetic, 500 sites, seed 7)\n")
    assert "Management addresses: 127.1.0.1 - " in text
    lines = text.splitlines()
    pop_header = next(i for i, line in enumerate(lines) if line.startswith("home POP"))
    assert lines[pop_header].split() == ["home", "POP", "name", "premium", "standard", "economy", "overseas",
                                         "sites", "%"]
    block = []
    for line in lines[pop_header:]:
        if not line:
            break
        block.append(line)
    assert len(block) == 2 + 13 + 1  # title, rule, one line per POP, total
    ends = {len(line) for line in block}
    assert len(ends) == 1  # right-aligned numbers: every line ends in the same column
    assert block[-1].split()[-2:] == ["500", "100.0"]
    assert "POP Paris" in block[2]
    for title in ("access class", "region", "lot", "device role", "vendor", "link layer", "link medium", "role"):
        assert any(line.startswith(title + " ") for line in lines), title
    assert not any(line != line.rstrip() for line in lines)


def test_empty_inventory() -> None:
    empty = Inventory(name="empty", access_classes={}, snmp_profiles={}, regions={}, locations={}, sites={},
                      devices={}, links={})
    s = summarise(empty)
    assert s["sites"] == 0 and s["addresses"]["count"] == 0
    text = format_summary(s)
    assert "Management addresses: none" in text
