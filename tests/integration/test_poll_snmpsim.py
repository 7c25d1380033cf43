"""``vigie probe`` against snmpsim serving real device recordings: for each recording, the
values Vigie reads equal what ``snmpbulkwalk -v2c -c NAME`` reads from the same agent,
column by column. Recordings are static, so every column compares exactly.

The recordings are the shared corpus (``../shared/corpora/snmpsim-data``, BSD licence, see
``tests/data/snmprec/README.md``) or, without it, the repo's copy of cisco-c3750; plus a
recording derived here without ifXTable, for the Counter32 fallback against a real agent.
snmpsim is slow (indexing ~13 MB of recordings at start, ~50 bulk PDUs/s): one agent for
the module, its run bounded by the module's timeouts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.farmkit import hex_value, netsnmp, parse_records
from tests.integration.peers import (
    COLUMNS,
    FALLBACK_COLUMNS,
    REPO_SNMPREC,
    Peer,
    probe,
    probe_columns,
    read_columns,
    recordings,
    snmpsim_command,
    start_snmpsim,
    stop_peer,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120),
              pytest.mark.skipif(snmpsim_command() is None, reason="snmpsim not installed (pip install -e '.[test]')")]

RECORDINGS = recordings()
NO_IFX = REPO_SNMPREC / "derived-c3750-no-ifxtable.snmprec"


def community(path: Path) -> str:
    return path.name.removesuffix(".snmprec")


@pytest.fixture(scope="module")
def snmpsim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    peer = start_snmpsim(tmp_path_factory.mktemp("snmpsim"), [*RECORDINGS, NO_IFX])
    try:
        yield peer
    finally:
        stop_peer(peer)


def shown(raw: bytes) -> str:
    """How ``vigie probe`` shows an OCTET STRING: text when printable, else hex."""
    text = raw.decode("utf-8", "replace")
    return text if text.isprintable() or "\r\n" in text else raw.hex(":")


def check_system(peer: Peer, name: str, result: dict[str, Any]) -> None:
    r = netsnmp("snmpget", "-m", "", "-v2c", "-c", name, "-On", "-Ox", peer.endpoint, ".1.3.6.1.2.1.1.1.0",
                ".1.3.6.1.2.1.1.5.0")
    assert r.returncode == 0, r.stderr
    got = dict(parse_records(r.stdout))
    assert result["system"]["sysDescr"] == shown(hex_value(got[".1.3.6.1.2.1.1.1.0"]))
    assert result["system"]["sysName"] == shown(hex_value(got[".1.3.6.1.2.1.1.5.0"]))


def test_every_recording_is_served() -> None:
    assert any(p.name == "cisco-c3750.snmprec" for p in RECORDINGS)
    assert NO_IFX.exists()


@pytest.mark.parametrize("recording", RECORDINGS, ids=community)
def test_probe_equals_snmpbulkwalk(snmpsim: Peer, recording: Path) -> None:
    name = community(recording)
    code, result = probe(snmpsim.endpoint, "--community", name, "--timeout", "3", "--retries", "1")
    assert code == 0 and result["error"] is None, result
    walked = read_columns(snmpsim.endpoint, ["-v2c", "-c", name])
    seen = probe_columns(result, list(COLUMNS))
    assert walked["name"], f"{name}: no ifName in the recording"
    for field in COLUMNS:
        assert seen[field] == walked[field], f"{name}: {field}"
    assert all(i["counter_bits"] == 64 for i in result["interfaces"])
    # every interface of ifTable or ifXTable is there, none invented
    rows = set().union(*(set(v) for v in walked.values()))
    assert {i["if_index"] for i in result["interfaces"]} == rows
    check_system(snmpsim, name, result)


def test_recording_without_ifxtable_uses_counter32(snmpsim: Peer) -> None:
    name = community(NO_IFX)
    code, result = probe(snmpsim.endpoint, "--community", name, "--timeout", "3", "--retries", "1")
    assert code == 0 and result["error"] is None, result
    walked = read_columns(snmpsim.endpoint, ["-v2c", "-c", name], FALLBACK_COLUMNS)
    seen = probe_columns(result, list(FALLBACK_COLUMNS))
    assert walked["in_octets"] and walked["name"]
    assert all(i["counter_bits"] == 32 for i in result["interfaces"])
    for field in FALLBACK_COLUMNS:
        expected = walked[field]
        if field == "speed_mbps":  # ifSpeed, bit/s
            expected = {i: int(v) // 1_000_000 for i, v in expected.items()}  # type: ignore[call-overload]
        assert seen[field] == expected, field
    check_system(snmpsim, name, result)
