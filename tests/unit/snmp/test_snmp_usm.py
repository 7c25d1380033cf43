"""SNMPv3 USM: RFC 3414 key vectors, pysnmp as oracle for keys, digests, AES and the
envelope, and the agent/manager state machine in-process (reports, time window)."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from pyasn1.codec.ber import decoder as asn1_decoder
from pyasn1.type import univ
from pysnmp.proto.mpmod.rfc3412 import SNMPv3Message
from pysnmp.proto.secmod.rfc3414 import localkey
from pysnmp.proto.secmod.rfc3414.auth.hmacsha import HmacSha
from pysnmp.proto.secmod.rfc3414.service import UsmSecurityParameters as PysnmpUsmParams
from pysnmp.proto.secmod.rfc3826.priv.aes import Aes
from pysnmp.proto.secmod.rfc7860.auth.hmacsha2 import HmacSha2

from vigie.snmp import (
    GET,
    GETBULK,
    REPORT,
    RESPONSE,
    AgentReport,
    AgentRequest,
    AuthProtocol,
    Counter64,
    KeyCache,
    NotInTimeWindowError,
    Pdu,
    PrivProtocol,
    RemoteEngine,
    SaltCounter,
    SecurityLevel,
    SnmpAuthError,
    SnmpError,
    UnknownEngineError,
    UnsupportedSecurityError,
    UsmStats,
    UsmUser,
    V3Message,
    build_discovery_request,
    decode_message,
    decode_v3_response,
    encode_v3_message,
    encode_v3_request,
    encode_v3_response,
    localize_key,
    password_to_key,
    process_v3_request,
)
from vigie.snmp.usm import decrypt_scoped_pdu, seal, verify_digest
from vigie.snmp.v3 import encode_scoped_pdu

RFC_ENGINE_ID = bytes.fromhex("000000000000000000000002")
AGENT_ID = bytes.fromhex("80001f8880deadbeef00000001")
NAME = (1, 3, 6, 1, 2, 1, 1, 5, 0)
HASHES = {
    AuthProtocol.MD5: hashlib.md5,
    AuthProtocol.SHA: hashlib.sha1,
    AuthProtocol.SHA224: hashlib.sha224,
    AuthProtocol.SHA256: hashlib.sha256,
    AuthProtocol.SHA384: hashlib.sha384,
    AuthProtocol.SHA512: hashlib.sha512,
}


def test_rfc3414_a3_1_md5_vector() -> None:
    ku = password_to_key("maplesyrup", AuthProtocol.MD5)
    assert ku.hex() == "9faf3283884e92834ebc9847d8edd963"
    assert localize_key(ku, RFC_ENGINE_ID, AuthProtocol.MD5).hex() == "526f5eed9fcce26f8964c2930787d82b"


def test_rfc3414_a3_2_sha_vector() -> None:
    ku = password_to_key(b"maplesyrup", AuthProtocol.SHA)
    assert ku.hex() == "9fb5cc0381497b3793528939ff788d5d79145211"
    assert localize_key(ku, RFC_ENGINE_ID, AuthProtocol.SHA).hex() == "6695febc9288e36282235fc7151f128497b38f3f"


@pytest.mark.parametrize("proto", list(HASHES), ids=lambda p: p.label)
def test_keys_match_pysnmp(proto: AuthProtocol) -> None:
    for passphrase in ("maplesyrup", "a much longer passphrase of more than sixty-four characters, really"):
        ku = password_to_key(passphrase, proto)
        assert ku == bytes(localkey.hash_passphrase(passphrase, HASHES[proto]))
        theirs = localkey.localize_key(ku, univ.OctetString(AGENT_ID), HASHES[proto])
        assert localize_key(ku, AGENT_ID, proto) == bytes(theirs)


@pytest.mark.parametrize("proto", [AuthProtocol.SHA, AuthProtocol.SHA256, AuthProtocol.SHA512], ids=str)
def test_aes_key_is_first_16_octets_of_localized_key_like_pysnmp(proto: AuthProtocol) -> None:
    user = UsmUser.create("u", proto, "authpass1", PrivProtocol.AES128, "privpass1")
    _, aes_key = user.keys(AGENT_ID)
    ku = bytes(Aes().hash_passphrase(proto.oid, "privpass1"))
    assert aes_key == bytes(Aes().localize_key(proto.oid, ku, univ.OctetString(AGENT_ID)))
    assert len(aes_key) == 16


def make_users() -> dict[str, UsmUser]:
    return {
        "sha-aes": UsmUser.create("sha-aes", AuthProtocol.SHA, "authpass1", PrivProtocol.AES128, "privpass1"),
        "sha256-aes": UsmUser.create("sha256-aes", AuthProtocol.SHA256, "authpass2", PrivProtocol.AES128, "privpass2"),
        "md5-aes": UsmUser.create("md5-aes", AuthProtocol.MD5, "authpass3", PrivProtocol.AES128, "privpass3"),
        "sha512-auth": UsmUser.create("sha512-auth", AuthProtocol.SHA512, "authpass4"),
        "sha224-aes": UsmUser.create("sha224-aes", AuthProtocol.SHA224, "authpass5", PrivProtocol.AES128, "privpass5"),
        "noauth": UsmUser.create("noauth"),
    }


USERS = make_users()
TABLE = {user.name: user for user in USERS.values()}


def agent(msg_bytes: bytes, stats: UsmStats, boots: int = 3, now: int = 5000) -> AgentRequest | AgentReport:
    msg = decode_message(msg_bytes)
    assert isinstance(msg, V3Message)
    return process_v3_request(msg, engine_id=AGENT_ID, engine_boots=boots, engine_time=now, users=TABLE, stats=stats)


def test_discovery_gets_unknown_engine_report_with_agent_engine_values() -> None:
    stats = UsmStats()
    request = build_discovery_request(msg_id=1001, request_id=2002)
    msg = decode_message(request)
    assert isinstance(msg, V3Message)
    assert msg.flags == 0x04 and msg.usm is not None and msg.usm.engine_id == b"" and msg.usm.user_name == b""
    report = agent(request, stats)
    assert isinstance(report, AgentReport) and report.reason == "unknownEngineIDs"
    assert stats.unknown_engine_ids == 1
    assert report.data is not None
    response = decode_v3_response(report.data, USERS["sha256-aes"])
    assert response.pdu.type == REPORT and response.pdu.request_id == 2002 and response.msg_id == 1001
    assert response.report_reason == "unknownEngineIDs"
    assert (response.engine_id, response.engine_boots, response.engine_time) == (AGENT_ID, 3, 5000)
    with pytest.raises(UnknownEngineError):
        response.raise_for_report()
    engine = RemoteEngine.learn(response, now=100.0)
    assert engine.estimated_time(now=130.5) == 5030


@pytest.mark.parametrize("key", list(USERS))
def test_request_response_roundtrip_at_the_users_level(key: str) -> None:
    user = USERS[key]
    stats = UsmStats()
    pdu = Pdu(GETBULK, 77, 0, 10, ((NAME, None), ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6), None)))
    request = encode_v3_request(
        pdu,
        user=user,
        engine_id=AGENT_ID,
        engine_boots=3,
        engine_time=5001,
        msg_id=9,
        salt=0xFFFF_FFFF_FFFF_FFFF,
        context_name=b"ctx",
    )
    result = agent(request, stats)
    assert isinstance(result, AgentRequest), result
    assert result.pdu == pdu and result.user is user and result.context_name == b"ctx"
    assert result.context_engine_id == AGENT_ID and result.security_level == user.security_level
    answer = Pdu(
        RESPONSE, 77, 0, 0, ((NAME, b"S01234-R1"), ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 1), Counter64(2**64 - 1)))
    )
    data = encode_v3_response(result, answer, engine_id=AGENT_ID, engine_boots=3, engine_time=5002, salt=42)
    engine = RemoteEngine(AGENT_ID, 3, 5000, 0.0, 5000)
    response = decode_v3_response(data, user, engine=engine, now=2.0)
    assert response.pdu == answer and response.report_reason is None and response.msg_id == 9
    assert response.security_level == user.security_level
    # only authentic messages move the manager's notion of the agent's clock
    assert engine.latest_received_time == (5002 if user.security_level else 5000)
    response.raise_for_report()
    assert stats == UsmStats()


def test_encrypted_octets_are_aes_cfb128_with_the_rfc3826_iv() -> None:
    user = USERS["sha256-aes"]
    auth_key, aes_key = user.keys(AGENT_ID)
    data = encode_v3_request(
        Pdu(GET, 5, 0, 0, ((NAME, None),)),
        user=user,
        engine_id=AGENT_ID,
        engine_boots=3,
        engine_time=5001,
        msg_id=9,
        salt=0x0102030405060708,
    )
    msg = decode_message(data)
    assert isinstance(msg, V3Message) and msg.usm is not None and msg.encrypted_pdu is not None
    assert msg.usm.priv_params == bytes.fromhex("0102030405060708")
    iv = (3).to_bytes(4, "big") + (5001).to_bytes(4, "big") + msg.usm.priv_params
    plain = Cipher(algorithms.AES(aes_key), CFB(iv)).decryptor().update(msg.encrypted_pdu)
    assert plain == decrypt_plain_with_pysnmp(aes_key, msg)
    assert decrypt_scoped_pdu(msg, aes_key).pdu.request_id == 5
    # pysnmp checks our HMAC-SHA-256-192 (it raises on a wrong digest)
    HmacSha2(HmacSha2.SHA256_SERVICE_ID).authenticate_incoming_message(
        univ.OctetString(auth_key), univ.OctetString(msg.usm.auth_params), data
    )
    assert len(msg.usm.auth_params) == 24


def decrypt_plain_with_pysnmp(aes_key: bytes, msg: V3Message) -> bytes:
    assert msg.usm is not None and msg.encrypted_pdu is not None
    params = (msg.usm.engine_boots, msg.usm.engine_time, univ.OctetString(msg.usm.priv_params))
    return bytes(Aes().decrypt_data(univ.OctetString(aes_key), params, univ.OctetString(msg.encrypted_pdu)))


def test_sha1_digest_checked_by_pysnmp_and_envelope_parsed_by_pyasn1() -> None:
    user = USERS["sha-aes"]
    auth_key, _ = user.keys(AGENT_ID)
    data = encode_v3_request(
        Pdu(GET, 5, 0, 0, ((NAME, None),)),
        user=user,
        engine_id=AGENT_ID,
        engine_boots=3,
        engine_time=5001,
        msg_id=123456,
        salt=7,
    )
    theirs, rest = asn1_decoder.decode(data, asn1Spec=SNMPv3Message())
    assert not rest
    assert int(theirs[0]) == 3 and int(theirs[1][0]) == 123456 and int(theirs[1][1]) == 65507
    assert bytes(theirs[1][2]) == b"\x07" and int(theirs[1][3]) == 3
    params, _ = asn1_decoder.decode(bytes(theirs[2]), asn1Spec=PysnmpUsmParams())
    assert bytes(params[0]) == AGENT_ID and int(params[1]) == 3 and int(params[2]) == 5001
    assert bytes(params[3]) == b"sha-aes" and len(bytes(params[4])) == 12 and bytes(params[5]) == (7).to_bytes(8, "big")
    HmacSha().authenticate_incoming_message(univ.OctetString(auth_key), params[4], data)
    msg = decode_message(data)
    assert isinstance(msg, V3Message)
    assert encode_v3_message(msg) == data


def test_unknown_user_wrong_digest_and_unsupported_level_reports() -> None:
    stats = UsmStats()
    stranger = UsmUser.create("stranger", AuthProtocol.SHA, "authpass1", PrivProtocol.AES128, "privpass1")
    args = {"engine_id": AGENT_ID, "engine_boots": 3, "engine_time": 5000, "msg_id": 1}
    pdu = Pdu(GET, 5, 0, 0, ((NAME, None),))
    report = agent(encode_v3_request(pdu, user=stranger, **args), stats)  # type: ignore[arg-type]
    assert isinstance(report, AgentReport) and report.reason == "unknownUserNames" and report.data is not None
    assert decode_v3_response(report.data, stranger).report_reason == "unknownUserNames"

    impostor = UsmUser.create("sha-aes", AuthProtocol.SHA, "not-the-pass", PrivProtocol.AES128, "privpass1")
    report = agent(encode_v3_request(pdu, user=impostor, **args), stats)  # type: ignore[arg-type]
    assert isinstance(report, AgentReport) and report.reason == "wrongDigests"
    assert report.data is not None
    with pytest.raises(SnmpAuthError):
        decode_v3_response(report.data, impostor).raise_for_report()

    wants_auth = UsmUser.create("noauth", AuthProtocol.SHA, "authpass1")
    report = agent(encode_v3_request(pdu, user=wants_auth, **args), stats)  # type: ignore[arg-type]
    assert isinstance(report, AgentReport) and report.reason == "unsupportedSecLevels"

    wrong_priv = UsmUser.create("sha-aes", AuthProtocol.SHA, "authpass1", PrivProtocol.AES128, "other-privpass")
    report = agent(encode_v3_request(pdu, user=wrong_priv, **args), stats)  # type: ignore[arg-type]
    assert isinstance(report, AgentReport) and report.reason == "decryptionErrors"
    assert stats == UsmStats(unknown_user_names=1, wrong_digests=1, unsupported_sec_levels=1, decryption_errors=1)


@pytest.mark.parametrize(("boots", "msg_time"), [(3, 5151), (3, 4849), (2, 5000), (4, 5000)])
def test_time_window_report_is_authenticated(boots: int, msg_time: int) -> None:
    stats = UsmStats()
    user = USERS["sha256-aes"]
    data = encode_v3_request(
        Pdu(GET, 5, 0, 0, ((NAME, None),)),
        user=user,
        engine_id=AGENT_ID,
        engine_boots=boots,
        engine_time=msg_time,
        msg_id=1,
    )
    report = agent(data, stats, boots=3, now=5000)
    assert isinstance(report, AgentReport) and report.reason == "notInTimeWindows"
    assert stats.not_in_time_windows == 1 and report.data is not None
    response = decode_v3_response(report.data, user)
    assert response.security_level == SecurityLevel.AUTH_NO_PRIV
    assert (response.engine_boots, response.engine_time) == (3, 5000)
    with pytest.raises(NotInTimeWindowError):
        response.raise_for_report()


def test_inside_the_window_edges_are_accepted() -> None:
    user = USERS["sha-aes"]
    for msg_time in (4850, 5150):
        data = encode_v3_request(
            Pdu(GET, 5, 0, 0, ((NAME, None),)),
            user=user,
            engine_id=AGENT_ID,
            engine_boots=3,
            engine_time=msg_time,
            msg_id=1,
        )
        assert isinstance(agent(data, UsmStats(), boots=3, now=5000), AgentRequest)


def test_non_reportable_failures_send_nothing() -> None:
    request = encode_v3_request(
        Pdu(GET, 1, 0, 0, ()),
        user=UsmUser.create("ghost"),
        engine_id=AGENT_ID,
        engine_boots=3,
        engine_time=5000,
        msg_id=1,
    )
    decoded = decode_message(request)
    assert isinstance(decoded, V3Message) and decoded.reportable
    unreportable = dataclasses.replace(decoded, flags=decoded.flags & ~0x04)
    result = process_v3_request(
        unreportable, engine_id=AGENT_ID, engine_boots=3, engine_time=5000, users=TABLE, stats=UsmStats()
    )
    assert isinstance(result, AgentReport) and result.data is None and result.reason == "unknownUserNames"


def test_manager_rejects_tampered_foreign_and_downgraded_responses() -> None:
    user = USERS["sha256-aes"]
    request = encode_v3_request(
        Pdu(GET, 5, 0, 0, ((NAME, None),)), user=user, engine_id=AGENT_ID, engine_boots=3, engine_time=5000, msg_id=1
    )
    result = agent(request, UsmStats())
    assert isinstance(result, AgentRequest)
    answer = Pdu(RESPONSE, 5, 0, 0, ((NAME, b"R1"),))
    data = encode_v3_response(result, answer, engine_id=AGENT_ID, engine_boots=3, engine_time=5000, salt=1)
    tampered = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(SnmpAuthError, match="wrong digest"):
        decode_v3_response(tampered, user)
    with pytest.raises(SnmpAuthError, match="expected"):
        decode_v3_response(data, USERS["sha-aes"])
    plain = seal(
        user=UsmUser(user.name),
        level=SecurityLevel.NO_AUTH_NO_PRIV,
        msg_id=1,
        max_size=1500,
        reportable=False,
        engine_id=AGENT_ID,
        engine_boots=3,
        engine_time=5000,
        scoped_pdu=encode_scoped_pdu(AGENT_ID, b"", answer),
    )
    with pytest.raises(UnsupportedSecurityError, match="AUTH_PRIV required"):
        decode_v3_response(plain, user)
    assert decode_v3_response(plain, user, security_level=SecurityLevel.NO_AUTH_NO_PRIV).pdu == answer
    msg = decode_message(data)
    assert isinstance(msg, V3Message)
    assert verify_digest(msg, user, user.keys(AGENT_ID)[0])
    assert not verify_digest(msg, user, bytes(32))


def test_remote_engine_time_window_rules() -> None:
    engine = RemoteEngine(AGENT_ID, 3, 5000, 10.0, 5000)
    assert engine.in_time_window(3, 4850) and not engine.in_time_window(3, 4849)
    assert not engine.in_time_window(2, 99999) and engine.in_time_window(4, 0)
    engine.update(3, 4000, 20.0)  # older: ignored
    assert (engine.boots, engine.time) == (3, 5000)
    engine.update(4, 12, 30.0)  # reboot: adopted
    assert (engine.boots, engine.time, engine.at) == (4, 12, 30.0)
    assert engine.estimated_time(40.9) == 22
    user = USERS["sha-aes"]
    req = agent(
        encode_v3_request(
            Pdu(GET, 5, 0, 0, ()), user=user, engine_id=AGENT_ID, engine_boots=3, engine_time=5000, msg_id=1
        ),
        UsmStats(),
    )
    assert isinstance(req, AgentRequest)
    stale = encode_v3_response(req, Pdu(RESPONSE, 5), engine_id=AGENT_ID, engine_boots=3, engine_time=5000)
    with pytest.raises(NotInTimeWindowError):
        decode_v3_response(stale, user, engine=engine, now=50.0)


def test_users_keys_cache_and_validation() -> None:
    cache = KeyCache(max_size=2)
    user = UsmUser.create("u", AuthProtocol.SHA256, "authpass1", PrivProtocol.AES128, "privpass1")
    for i in range(5):
        auth, priv = cache.get(user, bytes([i]) * 5)
        assert len(auth) == 32 and len(priv) == 16
        assert len(cache) <= 2
    with pytest.raises(SnmpError, match="8 characters"):
        password_to_key("short", AuthProtocol.SHA)
    with pytest.raises(UnsupportedSecurityError):
        UsmUser(b"u", AuthProtocol.NONE, b"", PrivProtocol.AES128, b"k" * 16)
    with pytest.raises(SnmpError):
        UsmUser.create("u", AuthProtocol.SHA)
    with pytest.raises(SnmpError):
        UsmUser.create("u" * 33)
    assert user == UsmUser.create("u", AuthProtocol.SHA256, "authpass1", PrivProtocol.AES128, "privpass1")
    salts = SaltCounter(2**64 - 1)
    assert [salts(), salts()] == [2**64 - 1, 0]
