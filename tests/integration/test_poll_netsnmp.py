"""``vigie probe`` against net-snmp's ``snmpd`` (started here): what Vigie reads equals
what ``snmpbulkwalk`` reads from the same agent, over v2c and SNMPv3 authPriv (SHA-256 and
SHA-1 with AES-128); wrong keys and unknown users are per-device errors with their cause.

snmpd serves this machine's real interfaces (lo, eth0...): their octet counters move with
the traffic between the two reads (the SNMP traffic itself crosses lo), so octets are
compared within a bound; every other column exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.farmkit import hex_value, netsnmp, parse_records
from tests.integration.peers import (
    COLUMNS,
    SNMPD_AUTH,
    SNMPD_COMMUNITY,
    SNMPD_PRIV,
    SNMPD_USER_SHA1,
    SNMPD_USER_SHA256,
    Peer,
    clean_env,
    probe,
    probe_columns,
    read_columns,
    snmpd_v3,
    start_snmpd,
    stop_peer,
    vigie,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

EXACT = [f for f in COLUMNS if f not in ("in_octets", "out_octets")]
OCTET_SLACK = 5_000_000  # traffic between the probe and the walk (bytes)


@pytest.fixture(scope="module")
def snmpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    peer = start_snmpd(tmp_path_factory.mktemp("snmpd"))
    try:
        yield peer
    finally:
        code = stop_peer(peer)
        assert code in (0, -15), f"snmpd exited with {code}:\n{peer.log_text()}"


def v3_env(auth: str = SNMPD_AUTH, priv: str = SNMPD_PRIV) -> dict[str, str]:
    return clean_env(VIGIE_SNMP_AUTH_KEY=auth, VIGIE_SNMP_PRIV_KEY=priv)


def system_values(peer: Peer, auth: list[str]) -> dict[str, bytes]:
    r = netsnmp("snmpget", "-m", "", *auth, "-On", "-Ox", peer.endpoint, ".1.3.6.1.2.1.1.1.0", ".1.3.6.1.2.1.1.5.0")
    assert r.returncode == 0, r.stderr
    got = dict(parse_records(r.stdout))
    return {"sysDescr": hex_value(got[".1.3.6.1.2.1.1.1.0"]), "sysName": hex_value(got[".1.3.6.1.2.1.1.5.0"])}


def compare(result: dict[str, Any], walked: dict[str, dict[int, object]]) -> None:
    assert result["error"] is None, result
    seen = probe_columns(result, list(COLUMNS))
    assert walked["name"], "snmpd shows no interface"
    assert sorted(i["if_index"] for i in result["interfaces"]) == sorted(walked["oper_status"])
    for f in EXACT:
        assert seen[f] == walked[f], f
    for f in ("in_octets", "out_octets"):
        assert seen[f].keys() == walked[f].keys(), f
        for idx, before in seen[f].items():
            after = walked[f][idx]
            assert isinstance(before, int) and isinstance(after, int)
            assert 0 <= after - before <= OCTET_SLACK, (f, idx, before, after)
    assert all(i["counter_bits"] == 64 for i in result["interfaces"])


CASES = {
    "v2c": (["--community", SNMPD_COMMUNITY], ["-v2c", "-c", SNMPD_COMMUNITY], None),
    "v3-sha256": (["--v3-user", SNMPD_USER_SHA256, "--auth-proto", "SHA-256", "--priv-proto", "AES"],
                  snmpd_v3(), "3"),
    "v3-sha1": (["--v3-user", SNMPD_USER_SHA1, "--auth-proto", "SHA", "--priv-proto", "AES"],
                snmpd_v3(SNMPD_USER_SHA1, "SHA"), "3"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_probe_equals_snmpbulkwalk(snmpd: Peer, case: str) -> None:
    vigie_args, netsnmp_args, version = CASES[case]
    code, result = probe(snmpd.endpoint, *vigie_args, "--timeout", "2", env=v3_env())
    assert code == 0, result
    assert result["version"] == (version or "2c")
    walked = read_columns(snmpd.endpoint, netsnmp_args)
    compare(result, walked)
    system = system_values(snmpd, netsnmp_args)
    assert result["system"]["sysName"] == system["sysName"].decode()
    assert result["system"]["sysDescr"] == system["sysDescr"].decode()
    assert result["system"]["sysObjectID"].startswith("1.3.6.1.4.1.8072.")  # net-snmp's enterprise
    assert isinstance(result["system"]["sysUpTime"], int) and result["system"]["sysUpTime"] >= 0
    assert result["response_ms"] is not None and result["response_ms"] > 0


@pytest.mark.parametrize(("user", "auth", "priv", "cause", "words"), [
    (SNMPD_USER_SHA256, "not-the-auth-passphrase", SNMPD_PRIV, "auth_failure", "wrongDigests"),
    ("mallory", SNMPD_AUTH, SNMPD_PRIV, "unknown_user", "'mallory'"),
    # snmpd drops a request it cannot decrypt (no decryptionErrors REPORT): a timeout, as net-snmp's tools see it
    (SNMPD_USER_SHA256, SNMPD_AUTH, "not-the-priv-passphrase", "timeout", "no answer after 1 attempt(s)"),
])
def test_v3_errors_have_their_cause(snmpd: Peer, user: str, auth: str, priv: str, cause: str, words: str) -> None:
    code, result = probe(snmpd.endpoint, "--v3-user", user, "--timeout", "0.5", "--retries", "0",
                         env=v3_env(auth, priv))
    assert code == 1
    assert result["error"] == cause, result
    assert words in result["detail"], result["detail"]
    if cause == "timeout":
        r = netsnmp("snmpget", "-m", "", "-v3", "-l", "authPriv", "-u", user, "-a", "SHA-256", "-A", auth, "-x", "AES",
                    "-X", priv, snmpd.endpoint, ".1.3.6.1.2.1.1.5.0", timeout_s=1, retries=0)
        assert r.returncode != 0 and "Timeout" in r.stderr, r.stderr  # net-snmp's own manager sees the same
    assert "interfaces" not in result or result["interfaces"] == []


def test_wrong_hash_is_an_authentication_failure(snmpd: Peer) -> None:
    """Right passphrase, SHA-1 instead of the user's SHA-256: the keys differ."""
    code, result = probe(snmpd.endpoint, "--v3-user", SNMPD_USER_SHA256, "--auth-proto", "SHA", "--timeout", "1",
                         "--retries", "0", env=v3_env())
    assert code == 1 and result["error"] == "auth_failure", result


def test_wrong_community_is_a_timeout(snmpd: Peer) -> None:
    code, result = probe(snmpd.endpoint, "--community", "not-the-community", "--timeout", "0.3", "--retries", "1")
    assert code == 1
    assert result["error"] == "timeout", result
    assert "no answer after 2 attempt(s)" in result["detail"] and snmpd.endpoint in result["detail"]


def test_probe_text_format(snmpd: Peer) -> None:
    r = vigie("probe", snmpd.endpoint, "--community", SNMPD_COMMUNITY)
    assert r.returncode == 0, r.stderr
    assert f"{snmpd.endpoint} (SNMPv2c" in r.stdout and "sysName" in r.stdout and "ifIndex" in r.stdout
