"""Line protocol formatting: escaping, value types, skipped unknowns, Vigie objects → lines."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.counters import DeviceRates, InterfaceRate
from collectors.scheduler import CycleReport
from vigie.observations import DevicePoll, InterfaceSample, PollError
from vigie.sinks import lineproto as lp

# --- a reference parser (written from the spec, independent of the formatter) ---------------------


def _split(text: str, seps: str) -> tuple[str, str, str]:
    """Up to the first unescaped character of ``seps`` → (raw head, separator, rest)."""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            i += 2
            continue
        if c in seps:
            return text[:i], c, text[i + 1:]
        i += 1
    return text, "", ""


def _unescape(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw) and raw[i + 1] in "\\, =\"":
            out.append(raw[i + 1])
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def parse(text: str) -> tuple[str, dict[str, str], dict[str, str], str]:
    """→ (measurement, tags, raw field values, timestamp text)."""
    assert "\n" not in text
    raw, sep, rest = _split(text, ", ")
    measurement = _unescape(raw)
    tags: dict[str, str] = {}
    while sep == ",":
        key, eq, rest = _split(rest, "=")
        assert eq == "=", text
        value, sep, rest = _split(rest, ", ")
        tags[_unescape(key)] = _unescape(value)
    assert sep == " ", text
    fields: dict[str, str] = {}
    while True:
        key, eq, rest = _split(rest, "=")
        assert eq == "=", text
        if rest.startswith('"'):
            i = 1
            while rest[i] != '"':
                i += 2 if rest[i] == "\\" else 1
            value, rest = rest[:i + 1], rest[i + 1:]
            sep, rest = (rest[:1], rest[1:])
        else:
            value, sep, rest = _split(rest, ", ")
        fields[_unescape(key)] = value
        if sep != ",":
            break
    return measurement, tags, fields, rest


# --- escaping ----------------------------------------------------------------------------------------


def test_measurement_escapes_comma_space_backslash_not_equals() -> None:
    assert lp.escape_measurement("a b,c=d") == r"a\ b\,c=d"
    assert lp.escape_measurement("end\\") == "end\\\\"


def test_keys_and_tag_values_escape_comma_equals_space_backslash_not_quotes() -> None:
    assert lp.escape_key('x y,z=w"q') == r'x\ y\,z\=w"q'
    assert lp.escape_key("C:\\dir\\") == "C:\\\\dir\\\\"
    assert lp.escape_key("a\nb\tc") == "a\\nb\\tc"  # never a raw newline inside a line


def test_string_field_values_escape_quotes_and_backslashes() -> None:
    assert lp.format_value('say "hi" \\o/') == '"say \\"hi\\" \\\\o/"'


def test_line_with_special_characters_everywhere_parses_back() -> None:
    tags = {"dev ice": "R1, \"core\"=x", "b\\": "trailing\\"}
    text = lp.line("my meas,ure", tags, {"f k=1": 1.5, "s": 'a "b" c\\'}, 1700000000123)
    assert text is not None
    m, t, f, ts = parse(text)
    assert (m, t, ts) == ("my meas,ure", tags, "1700000000123")
    assert f["f k=1"] == "1.5" and f["s"] == '"a \\"b\\" c\\\\"'


_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\n\r\t"), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_text, st.dictionaries(_text, _text, max_size=4), _text)
def test_any_names_round_trip_through_the_reference_parser(measurement: str, tags: dict[str, str],
                                                            field: str) -> None:
    text = lp.line(measurement, tags, {field: 7}, 1)
    assert text is not None
    assert parse(text) == (measurement, tags, {field: "7i"}, "1")


# --- values ------------------------------------------------------------------------------------------


def test_value_types() -> None:
    assert lp.format_value(42) == "42i"
    assert lp.format_value(-3) == "-3i"
    assert lp.format_value(True) == "true" and lp.format_value(False) == "false"
    assert lp.format_value(0.1) == "0.1"
    assert lp.format_value(2.0) == "2.0"  # stays a float (no i)
    assert lp.format_value(1e16) == "1e+16"
    assert lp.format_value(-2.5e-7) == "-2.5e-07"
    for skipped in (None, math.nan, math.inf, -math.inf):
        assert lp.format_value(skipped) is None


def test_none_fields_skipped_and_a_line_without_fields_is_not_emitted() -> None:
    assert lp.line("m", {"t": "x"}, {"a": None, "b": 3, "c": math.nan}, 5) == "m,t=x b=3i 5"
    assert lp.line("m", {"t": "x"}, {"a": None, "c": math.inf}, 5) is None


def test_tags_sorted_and_empty_tag_values_left_out() -> None:
    assert lp.line("m", {"z": "1", "a": "2", "e": ""}, {"v": 1}) == "m,a=2,z=1 v=1i"


def test_timestamps_are_milliseconds_rounded() -> None:
    assert lp.PRECISION == "ms"
    assert lp.to_ms(1700000000.0) == 1700000000000
    assert lp.to_ms(1700000000.1234) == 1700000000123
    assert lp.to_ms(1700000000.1236) == 1700000000124


# --- Vigie objects -----------------------------------------------------------------------------------


def _rate(if_index: int, name: str | None, *values: float | None) -> InterfaceRate:
    v = list(values) + [None] * (8 - len(values))
    return InterfaceRate(if_index, name, 60.0, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], None)


def test_rate_lines() -> None:
    rates = DeviceRates("S01234 R1", 1700000060.5, False, 1000.0, (
        _rate(1, "Gi0/0/1", 1e6, 2e6, 1.0, 2.0, 0.0, 0.0, 0.5, 0),
        _rate(2, None, 10.0),
        _rate(3, "", None, 3.25),
        _rate(4, "dead", None, None),  # every rate unknown: no line
    ))
    assert lp.rate_lines(rates) == [
        r"vigie_if,device=S01234\ R1,ifname=Gi0/0/1 in_bps=1000000.0,out_bps=2000000.0,in_util_pct=1.0,"
        "out_util_pct=2.0,in_errors_ps=0.0,out_errors_ps=0.0,in_discards_ps=0.5,out_discards_ps=0.0 1700000060500",
        r"vigie_if,device=S01234\ R1,ifindex=2 in_bps=10.0 1700000060500",
        r"vigie_if,device=S01234\ R1,ifindex=3 out_bps=3.25 1700000060500",
    ]
    assert lp.rates_lines([rates, rates]) == lp.rate_lines(rates) * 2


def test_poll_line_ok_and_failed() -> None:
    ok = DevicePoll("R1", "127.0.0.2", 1700000000.25, 0.0125, response_ms=3.5, pdus=5, retries=1,
                    interfaces=(InterfaceSample(1), InterfaceSample(2)))
    assert lp.poll_line(ok) == ("vigie_poll,device=R1 ok=1i,duration_ms=12.5,response_ms=3.5,pdus=5i,retries=1i,"
                                "interfaces=2i,partial=0i 1700000000250")
    failed = DevicePoll("R2", "127.0.0.3", 1700000000.0, 3.0, error=PollError.TIMEOUT, pdus=3, retries=2)
    assert lp.poll_line(failed) == ("vigie_poll,device=R2,error=timeout ok=0i,duration_ms=3000.0,pdus=3i,retries=2i,"
                                    "interfaces=0i,partial=0i 1700000000000")


def test_cycle_line() -> None:
    report = CycleReport(7, 1700000000.0, 60.0, 4, completed=3, ok=2, failed=1, timeouts=1, late=1,
                         max_lateness_s=1.5, wall_s=58.0, cpu_s=12.5, durations_ms=[10.0, 20.0, 30.0])
    assert lp.cycle_line(report, {"collector": "c1"}) == (
        "vigie_cycle,collector=c1 cycle=7i,devices=4i,completed=3i,completion=0.75,ok=2i,failed=1i,timeouts=1i,"
        "skipped=0i,late=1i,max_lateness_s=1.5,wall_s=58.0,cpu_s=12.5,p50_ms=20.0,p95_ms=30.0 1700000000000")
    empty = CycleReport(8, 1700000060.0, 60.0, 0)
    text = lp.cycle_line(empty)
    assert text is not None and "p50_ms" not in text and "completion=1.0" in text


def test_site_states_line() -> None:
    assert lp.site_states_line({"up": 13950, "down": 12, "degraded": 38}, 1700000000.0) == (
        "vigie_sites degraded=38i,down=12i,up=13950i 1700000000000")
    assert lp.site_states_line({}, 1700000000.0) is None
