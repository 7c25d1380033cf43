"""The site model, the filter syntax and the formatting helpers (pure)."""

from __future__ import annotations

import pytest

from tests.unit.tui.tuikit import NOW
from tui import fmt
from tui.memory import MemorySource
from tui.model import FilterError, SiteModel, parse_filter


def loaded(mem: MemorySource) -> SiteModel:
    model = SiteModel(mem.inventory)
    model.load(mem)
    return model


def test_counts_follow_the_source(mem: MemorySource) -> None:
    model = loaded(mem)
    assert dict(model.counts) == {k: v for k, v in mem.counts().items() if v}
    assert model.by_pop["LYO"]["unreachable"] == 10
    mem.set_site("S00001", "down", "S00001-R1", NOW, "S00001-R1 down (timeout)")
    changed = model.update(mem.drain().sites, mem)
    assert changed == [model.index["S00001"]]
    assert model.counts["down"] == 2 and model.by_pop["MRS"]["down"] == 1
    assert model.update(["S00001"], mem) == []  # nothing new: nothing changed


def test_filter_by_field_and_words(mem: MemorySource) -> None:
    model = loaded(mem)

    def codes(text: str) -> list[str]:
        return sorted(model.codes[i] for i in model.select(parse_filter(text), "code"))

    unreachable = codes("state:unr")
    assert len(unreachable) == 10 and all(mem.site_status(c).cause == "LYO-C02" for c in unreachable)
    assert codes("cause:lyo-c02") == unreachable
    assert codes("pop:LYO state:unreachable class:economy") == unreachable
    assert codes("S00042") == ["S00042"]
    assert codes("tribunal strasbourg") == ["S00010"]
    assert len(codes("!state:up")) == 300 - mem.counts()["up"]
    assert codes("pop:LYO") == sorted(c for c, s in mem.inventory.sites.items() if s.pop == "LYO")
    assert parse_filter("pop:LYO cause:X").dynamic and not parse_filter("pop:LYO class:eco").dynamic


def test_filter_errors_name_the_fix() -> None:
    with pytest.raises(FilterError, match=r"unknown filter key 'colour:'.*pop:"):
        parse_filter("colour:red")
    with pytest.raises(FilterError, match="state:down"):
        parse_filter("state:")


def test_sort_worst_first_then_most_recent(mem: MemorySource) -> None:
    model = loaded(mem)
    rows = model.select(parse_filter(""), "state")
    states = [model.state[i] for i in rows]
    assert states[0] == "down" and states[-1] == "up"
    assert states == sorted(states, key=lambda s: fmt.STATE_RANK[s])
    assert next(model.codes[i] for i in model.select(parse_filter(""), "code", reverse=True)) == "S00300"
    with pytest.raises(FilterError):
        model.select(parse_filter(""), "colour")


def test_formatting() -> None:
    assert fmt.duration(45) == "45s" and fmt.duration(725) == "12m05s" and fmt.duration(11220) == "3h07m"
    assert fmt.duration(187200) == "2d04h" and fmt.duration(None) == "-"
    assert fmt.bps(12.4e6) == "12.4 Mb/s" and fmt.bps(950) == "950 b/s" and fmt.bps(None) == "-"
    assert fmt.sparkline([0, 1, 2, None, 4], 6) == " ▁▃▅ █"
    assert fmt.state_label("unreachable") == "◌ UNREACHABLE"


def test_explain_names_what_it_is_behind(mem: MemorySource) -> None:
    inv = mem.inventory
    st = mem.site_status("S00057")
    assert fmt.explain(inv, st.state, st.cause, st.detail) == "UNREACHABLE behind collect router LYO-C02"
    st = mem.site_status("S00042")
    assert fmt.explain(inv, st.state, st.cause, st.detail) == "DOWN: S00042-R1 down (timeout)"
