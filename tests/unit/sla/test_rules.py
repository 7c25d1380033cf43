"""Contract rules: the shipped default, resolution against the inventory, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from sla.errors import RulesInvalid
from sla.rules import load_rules, parse_rules
from vigie.model import AccessClass


def test_default_rules_cover_the_rie_classes() -> None:
    rules = load_rules()
    assert rules.source == "default" and len(rules.digest) == 64
    assert rules.states["unreachable"] == "down" and rules.unreachable_attribution == "cause"
    assert rules.states["degraded"] == "up" and rules.states["unknown"] == "unknown"
    assert rules.states["maintenance"] == "excluded"
    premium = rules.terms("premium")
    assert (premium.availability_target_pct, premium.gtr_hours, premium.gtr_clock) == (99.99, 4.0, "calendar")
    assert rules.terms("economy").gtr_clock == "business"


def test_penalty_grid_takes_the_largest_step_below() -> None:
    t = load_rules().terms("premium")
    assert t.availability_penalty_pct(100.0) == 0.0
    assert t.availability_penalty_pct(99.99) == 0.0  # exactly on target: no penalty
    assert t.availability_penalty_pct(99.95) == 10.0
    assert t.availability_penalty_pct(99.9) == 10.0
    assert t.availability_penalty_pct(99.89) == 25.0
    assert t.availability_penalty_pct(12.0) == 50.0
    assert t.availability_penalty_pct(None) == 0.0  # nothing measured: no availability, no penalty


def test_class_missing_from_rules_takes_inventory_values() -> None:
    rules = parse_rules('[defaults]\nmonthly_fee_eur = 100.0\ngtr_clock = "business"\n', "x.toml", "0" * 64)
    t = rules.terms(AccessClass("gold", 99.95, 6.0, 2))
    assert (t.availability_target_pct, t.gtr_hours, t.gtr_clock, t.monthly_fee_eur) == (99.95, 6.0, "business", 100.0)
    assert t.source == "inventory+defaults"
    with pytest.raises(RulesInvalid, match="gold"):
        rules.terms("gold")


def test_invalid_rules_list_every_problem(tmp_path: Path) -> None:
    text = """
format = 1
[states]
down = "up"
degraded = "sideways"
flapping = "down"
[attribution]
unreachable = "nobody"
[business_hours]
days = ["mon", "funday"]
start = "18:00"
end = "08:00"
extra_holidays = ["2026-02-30"]
[classes.premium]
gtr_hours = -1
availability_target_pct = 101
gtr_clock = "lunar"
availability_penalties = [{ below = 99 }]
colour = "blue"
"""
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(RulesInvalid) as exc:
        load_rules(path)
    msg = str(exc.value)
    for needle in ("states.down = 'up'", "states.degraded = 'sideways'", "states.flapping", "attribution.unreachable",
                   "'funday'", "end 08:00:00 is not after start", "2026-02-30", "classes.premium.gtr_hours = -1",
                   "availability_target_pct = 101", "gtr_clock = 'lunar'", "availability_penalties[0]",
                   "classes.premium.colour"):
        assert needle in msg, needle
    assert len(exc.value.problems) == 12


def test_rules_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(RulesInvalid, match="cannot read the file"):
        load_rules(tmp_path / "missing.toml")
    bad = tmp_path / "syntax.toml"
    bad.write_text("states = [")
    with pytest.raises(RulesInvalid, match="not valid TOML"):
        load_rules(bad)


def test_rules_digest_is_of_the_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text("format = 1\n")
    b.write_text("format = 1 \n")
    assert load_rules(a).digest != load_rules(b).digest
    assert load_rules(a).digest == load_rules(a).digest
