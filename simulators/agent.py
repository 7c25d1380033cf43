"""Command responder logic of a simulated agent: PDU in, response PDU out (RFC 3416).

Pure: a MIB view, a request PDU and the time in; the varbinds, error status and index of
the response out. The transport (farm) and the security layers (community, USM) are
elsewhere. Semantics follow real agents: GET answers noSuchObject / noSuchInstance,
GETNEXT and GETBULK answer endOfMibView past the end, GETBULK truncates its repetitions
to what fits in the message, a GET whose answer does not fit gets tooBig, SET is refused
(read-only agent), and anything that is not a request is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulators.mib import View
from vigie.snmp.types import END_OF_MIB_VIEW, VarBind

GET, GETNEXT, RESPONSE, SET, GETBULK = 0xA0, 0xA1, 0xA2, 0xA3, 0xA5
NO_ERROR, TOO_BIG, NO_ACCESS, NOT_WRITABLE, GEN_ERR = 0, 1, 6, 17, 5
MAX_BULK_VARBINDS = 2048

Encoder = Callable[[list[VarBind], int, int], bytes]  # (varbinds, error status, error index) -> message


@dataclass(frozen=True, slots=True)
class Answer:
    varbinds: list[VarBind]
    error_status: int = NO_ERROR
    error_index: int = 0
    fixed: int = 0  # GETBULK: varbinds answering the non-repeaters
    width: int = 0  # GETBULK: varbinds per repetition (0: not a GETBULK answer)


def answer(view: View, pdu_type: int, varbinds: tuple[VarBind, ...], non_repeaters: int,
           max_repetitions: int, ctx: Any) -> Answer | None:
    """The answer to a request PDU, or None when the PDU is not a request. Whether it fits in
    a message is decided on the encoded bytes by :func:`encode_fitting`."""
    if pdu_type == GET:
        return Answer([(oid, view.get(oid, ctx)) for oid, _ in varbinds])
    if pdu_type == GETNEXT:
        out = []
        for oid, _ in varbinds:
            found = view.next(oid, ctx)
            out.append(found if found is not None else (oid, END_OF_MIB_VIEW))
        return Answer(out)
    if pdu_type == GETBULK:
        return _bulk(view, varbinds, non_repeaters, max_repetitions, ctx)
    if pdu_type == SET:
        return Answer([(oid, value) for oid, value in varbinds], NOT_WRITABLE if varbinds else NO_ERROR,
                      1 if varbinds else 0)
    return None


def encode_fitting(ans: Answer, encode: Encoder, max_size: int) -> bytes:
    """Encode ``ans``; when the message is larger than ``max_size``, a GETBULK answer loses
    whole repetitions until it fits (RFC 3416 4.2.3) and anything else becomes tooBig with
    no varbinds (4.2.1). The common case, which fits, is encoded once."""
    data = encode(ans.varbinds, ans.error_status, ans.error_index)
    if len(data) <= max_size:
        return data
    if ans.width:
        rows = (len(ans.varbinds) - ans.fixed) // ans.width
        while rows > 0:
            rows = min(rows - 1, int(rows * max_size / len(data)))
            if rows <= 0:
                break
            data = encode(ans.varbinds[: ans.fixed + rows * ans.width], ans.error_status, ans.error_index)
            if len(data) <= max_size:
                return data
    return encode([], TOO_BIG, 0)


def _bulk(view: View, varbinds: tuple[VarBind, ...], non_repeaters: int, max_repetitions: int,
          ctx: Any) -> Answer:
    n = min(max(non_repeaters, 0), len(varbinds))
    out: list[VarBind] = []
    for oid, _ in varbinds[:n]:
        found = view.next(oid, ctx)
        out.append(found if found is not None else (oid, END_OF_MIB_VIEW))
    repeaters = [oid for oid, _ in varbinds[n:]]
    m = max(max_repetitions, 0)
    if not repeaters or m == 0:
        return Answer(out)
    # Each repeated variable walks its own column: fetch its m successors in one go
    # (the view does not search again per step), then interleave them row by row.
    m = min(m, max((MAX_BULK_VARBINDS - len(out)) // len(repeaters), 1))
    walks = [view.walk(oid, ctx, m) for oid in repeaters]
    for j, w in enumerate(walks):
        if len(w) < m:  # this variable reached the end of the MIB view
            last = w[-1][0] if w else repeaters[j]
            w.extend([(last, END_OF_MIB_VIEW)] * (m - len(w)))
    rows = m
    all_end = max(next((i for i, vb in enumerate(w) if vb[1] is END_OF_MIB_VIEW), m) for w in walks)
    if all_end < m:  # every variable has ended: stop after the first row where all have
        rows = all_end + 1
    if len(walks) == 1:
        out.extend(walks[0][:rows])
    else:
        for i in range(rows):
            out.extend(w[i] for w in walks)
    return Answer(out, fixed=n, width=len(walks))
