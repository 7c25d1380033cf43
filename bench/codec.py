"""Micro-benchmark of the vigie.snmp codec against pysnmp/pyasn1 on the same messages.

Message: a GETBULK response of 60 varbinds (6 columns x 10 rows of IF-MIB/ifXTable:
4 Counter64 columns, 2 INTEGER columns), as v2c and as v3 authPriv (SHA-256 / AES-128).
Figures are medians over repeated runs, interleaved round-robin across cases (so that a
busy neighbour slows all cases alike), in microseconds per PDU and per varbind, plus the
best run; the OID caches are warm (the steady state of an agent or a poller) unless said
"cold" (caches emptied before every call). "agent_*_get_cycle" is one 1-varbind GET
decoded and answered, the fixed per-PDU cost an agent pays.
pysnmp v3 is a lower bound: pyasn1 encoding plus pysnmp's own USM crypto services,
without its message-processing bookkeeping and MIB lookups.

Run: .venv/bin/python bench/codec.py [--quick]. The last line is one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vigie.snmp import (
    GET,
    RESPONSE,
    AuthProtocol,
    CommunityMessage,
    Counter64,
    Pdu,
    PrivProtocol,
    TimeTicks,
    UsmStats,
    UsmUser,
    V3Message,
    VarBind,
    clear_caches,
    decode_message,
    decode_v3_response,
    encode_request,
    encode_response,
    encode_v3_request,
    encode_v3_response,
    process_v3_request,
)
from vigie.snmp.usm_agent import AgentRequest

COLUMNS = [
    ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6), "c64"),  # ifHCInOctets
    ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10), "c64"),  # ifHCOutOctets
    ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 7), "c64"),  # ifHCInUcastPkts
    ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 11), "c64"),  # ifHCOutUcastPkts
    ((1, 3, 6, 1, 2, 1, 2, 2, 1, 7), "int"),  # ifAdminStatus
    ((1, 3, 6, 1, 2, 1, 2, 2, 1, 8), "int"),  # ifOperStatus
]
ROWS = 10
ENGINE_ID = bytes.fromhex("80001f8880a1b2c3d4e5f60708")


def make_varbinds() -> list[VarBind]:
    """Row-major, as an agent answers GETBULK (one repetition per row)."""
    out: list[VarBind] = []
    for row in range(ROWS):
        index = 1000 + row * 7
        for column, kind in COLUMNS:
            oid = (*column, index)
            if kind == "c64":
                out.append((oid, Counter64(123_456_789_012_345 + row * 977_777 + column[-1])))
            else:
                out.append((oid, 1 + (row % 2)))
    return out


def measure_all(cases: list[tuple[str, Callable[[], object], int]], repeat: int) -> dict[str, list[float]]:
    """Seconds per call of each case, ``repeat`` runs each, interleaved round-robin so that
    a busy neighbour on the machine slows every case alike rather than one of them."""
    runs: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(repeat):
        for name, fn, number in cases:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            runs[name].append((time.perf_counter() - start) / number)
    return runs


def pysnmp_v2c(varbinds: list[VarBind]) -> tuple[Callable[[], object], Callable[[], object], bytes]:
    from pyasn1.codec.ber import decoder, encoder
    from pysnmp.proto.api import v2c

    def encode() -> bytes:
        pdu = v2c.ResponsePDU()
        v2c.apiPDU.set_defaults(pdu)
        v2c.apiPDU.set_request_id(pdu, 4242)
        v2c.apiPDU.set_varbinds(
            pdu,
            [(oid, v2c.Counter64(v) if isinstance(v, Counter64) else v2c.Integer(v)) for oid, v in varbinds],
        )
        msg = v2c.Message()
        v2c.apiMessage.set_defaults(msg)
        v2c.apiMessage.set_community(msg, b"public")
        v2c.apiMessage.set_pdu(msg, pdu)
        return bytes(encoder.encode(msg))

    data = encode()

    def decode() -> object:
        msg, _ = decoder.decode(data, asn1Spec=v2c.Message())
        pdu = v2c.apiMessage.get_pdu(msg)
        return [(tuple(oid), int(val)) for oid, val in v2c.apiPDU.get_varbinds(pdu)]

    return encode, decode, data


def pysnmp_v3(varbinds: list[VarBind], user: UsmUser) -> tuple[Callable[[], object], Callable[[], object]]:
    from pyasn1.codec.ber import decoder, encoder
    from pyasn1.type import univ
    from pysnmp.proto.api import v2c
    from pysnmp.proto.mpmod.rfc3412 import ScopedPDU, SNMPv3Message
    from pysnmp.proto.secmod.rfc3414.service import UsmSecurityParameters
    from pysnmp.proto.secmod.rfc3826.priv.aes import Aes
    from pysnmp.proto.secmod.rfc7860.auth.hmacsha2 import HmacSha2

    auth_key, priv_key = user.keys(ENGINE_ID)
    aes = Aes()
    hmac_service = HmacSha2(HmacSha2.SHA256_SERVICE_ID)
    akey = univ.OctetString(auth_key)
    pkey = univ.OctetString(priv_key)

    def encode() -> bytes:
        pdu = v2c.ResponsePDU()
        v2c.apiPDU.set_defaults(pdu)
        v2c.apiPDU.set_request_id(pdu, 4242)
        v2c.apiPDU.set_varbinds(
            pdu,
            [(oid, v2c.Counter64(v) if isinstance(v, Counter64) else v2c.Integer(v)) for oid, v in varbinds],
        )
        scoped = ScopedPDU()
        scoped.setComponentByPosition(0, ENGINE_ID)
        scoped.setComponentByPosition(1, b"")
        scoped.getComponentByPosition(2).setComponentByType(pdu.tagSet, pdu)
        plain = encoder.encode(scoped)
        cipher, salt = aes.encrypt_data(pkey, (5, 1000, None), plain)
        params = UsmSecurityParameters()
        params.setComponentByPosition(0, ENGINE_ID)
        params.setComponentByPosition(1, 5)
        params.setComponentByPosition(2, 1000)
        params.setComponentByPosition(3, user.name)
        params.setComponentByPosition(4, b"\x00" * 24)
        params.setComponentByPosition(5, salt)
        msg = SNMPv3Message()
        msg.setComponentByPosition(0, 3)
        header = msg.setComponentByPosition(1).getComponentByPosition(1)
        header.setComponentByPosition(0, 77)
        header.setComponentByPosition(1, 65507)
        header.setComponentByPosition(2, b"\x03")
        header.setComponentByPosition(3, 3)
        msg.setComponentByPosition(2, encoder.encode(params))
        msg.getComponentByPosition(3).setComponentByPosition(1, cipher)
        return bytes(hmac_service.authenticate_outgoing_message(akey, encoder.encode(msg)))

    data = encode()

    def decode() -> object:
        msg, _ = decoder.decode(data, asn1Spec=SNMPv3Message())
        params, _ = decoder.decode(msg.getComponentByPosition(2), asn1Spec=UsmSecurityParameters())
        hmac_service.authenticate_incoming_message(akey, params.getComponentByPosition(4), data)
        boots, etime, salt = params[1], params[2], params[5]
        plain = aes.decrypt_data(pkey, (boots, etime, salt), msg.getComponentByPosition(3)[1])
        scoped, _ = decoder.decode(plain, asn1Spec=ScopedPDU())
        pdu = scoped.getComponentByPosition(2).getComponent()
        return [(tuple(oid), int(val)) for oid, val in v2c.apiPDU.get_varbinds(pdu)]

    return encode, decode


def main() -> None:
    quick = "--quick" in sys.argv
    repeat, number, slow_number = (5, 50, 3) if quick else (21, 200, 10)
    varbinds = make_varbinds()
    n = len(varbinds)
    figures: dict[str, float] = {}

    cases: list[tuple[str, Callable[[], object], int]] = []

    def record(name: str, fn: Callable[[], object], calls: int) -> None:
        cases.append((name, fn, calls))

    # v2c
    data = encode_response(1, b"public", 4242, varbinds)
    assert decode_message(data).pdu.varbinds == tuple(varbinds)  # type: ignore[union-attr]
    record("v2c_encode", lambda: encode_response(1, b"public", 4242, varbinds), number)
    record("v2c_decode", lambda: decode_message(data), number)

    def cold_decode() -> object:
        clear_caches()
        return decode_message(data)

    def cold_encode() -> object:
        clear_caches()
        return encode_response(1, b"public", 4242, varbinds)

    record("v2c_encode_cold", cold_encode, number)
    record("v2c_decode_cold", cold_decode, number)

    # v3 authPriv SHA-256 / AES-128: agent encodes the response, manager decodes it
    user = UsmUser.create(b"bench", AuthProtocol.SHA256, "authpass-bench", PrivProtocol.AES128, "privpass-bench")
    request_bytes = encode_v3_request(
        Pdu(GET, 4242, 0, 0, tuple((oid, None) for oid, _ in varbinds[:6])),
        user=user,
        engine_id=ENGINE_ID,
        engine_boots=5,
        engine_time=1000,
        msg_id=77,
        salt=1,
    )
    request = process_v3_request(
        decode_message(request_bytes),  # type: ignore[arg-type]
        engine_id=ENGINE_ID,
        engine_boots=5,
        engine_time=1000,
        users={user.name: user},
        stats=UsmStats(),
    )
    assert isinstance(request, AgentRequest)
    response_pdu = Pdu(RESPONSE, 4242, 0, 0, tuple(varbinds))
    salt = iter(range(10**9))

    def v3_encode() -> bytes:
        pdu = Pdu(RESPONSE, 4242, 0, 0, tuple(varbinds))
        return encode_v3_response(request, pdu, engine_id=ENGINE_ID, engine_boots=5, engine_time=1000, salt=next(salt))

    v3_data = v3_encode()
    assert decode_v3_response(v3_data, user).pdu == response_pdu
    record("v3_encode", v3_encode, number)
    record("v3_decode", lambda: decode_v3_response(v3_data, user), number)

    # agent cycle for a one-varbind GET (decode request, answer, encode response): farm capacity
    uptime = ((1, 3, 6, 1, 2, 1, 1, 3, 0), TimeTicks(123456))
    get_v2c = encode_request(1, b"public", GET, 99, [uptime[0]])

    def agent_v2c() -> bytes:
        msg = decode_message(get_v2c)
        assert isinstance(msg, CommunityMessage)
        return encode_response(msg.version, msg.community, msg.pdu.request_id, [uptime])

    get_v3 = encode_v3_request(
        Pdu(GET, 99, 0, 0, ((uptime[0], None),)),
        user=user,
        engine_id=ENGINE_ID,
        engine_boots=5,
        engine_time=1000,
        msg_id=78,
        salt=2,
    )
    stats = UsmStats()

    def agent_v3() -> bytes:
        msg = decode_message(get_v3)
        assert isinstance(msg, V3Message)
        req = process_v3_request(
            msg, engine_id=ENGINE_ID, engine_boots=5, engine_time=1000, users={user.name: user}, stats=stats
        )
        assert isinstance(req, AgentRequest)
        return encode_v3_response(
            req,
            Pdu(RESPONSE, req.pdu.request_id, 0, 0, (uptime,)),
            engine_id=ENGINE_ID,
            engine_boots=5,
            engine_time=1000,
            salt=next(salt),
        )

    record("agent_v2c_get_cycle", agent_v2c, number)
    record("agent_v3_get_cycle", agent_v3, number)

    # pysnmp / pyasn1 on the same messages
    p_encode, p_decode, p_data = pysnmp_v2c(varbinds)
    assert p_data == data, "pysnmp and vigie encodings differ"
    record("pysnmp_v2c_encode", p_encode, slow_number)
    record("pysnmp_v2c_decode", p_decode, slow_number)
    p3_encode, p3_decode = pysnmp_v3(varbinds, user)
    record("pysnmp_v3_encode", p3_encode, slow_number)
    record("pysnmp_v3_decode", p3_decode, slow_number)

    runs = measure_all(cases, repeat)
    print(f"GETBULK response, {n} varbinds ({len(COLUMNS)} columns x {ROWS} rows), {len(data)} octets v2c")
    print(f"medians of {repeat} interleaved runs (best run in the last column)")
    print(f"{'case':<22}{'us/PDU':>10}{'us/varbind':>12}{'best':>8}")
    for name, _, _ in cases:
        median = statistics.median(runs[name]) * 1e6
        best = min(runs[name]) * 1e6
        if name.startswith("agent_"):
            figures[f"{name}_us"] = round(median, 2)
            print(f"{name:<22}{median:>10.1f}{'':>12}{'':>8}  (one request in, one response out)")
            continue
        figures[f"{name}_us_per_pdu"] = round(median, 2)
        figures[f"{name}_us_per_varbind"] = round(median / n, 3)
        figures[f"{name}_best_us_per_varbind"] = round(best / n, 3)
        print(f"{name:<22}{median:>10.1f}{median / n:>12.2f}{best / n:>8.2f}")
    for case in ("v2c_encode", "v2c_decode", "v3_encode", "v3_decode"):
        ratio = figures[f"pysnmp_{case}_us_per_pdu"] / figures[f"{case}_us_per_pdu"]
        figures[f"speedup_vs_pysnmp_{case}"] = round(ratio, 1)
    print(
        "speed-up over pysnmp: "
        + ", ".join(
            f"{case} x{figures[f'speedup_vs_pysnmp_{case}']}"
            for case in ("v2c_encode", "v2c_decode", "v3_encode", "v3_decode")
        )
    )
    figures["varbinds"] = n
    figures["python"] = float(f"{sys.version_info.major}.{sys.version_info.minor}")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
