"""Command responder logic of a simulated agent: PDU in, response PDU out (RFC 3416).

Pure: a MIB view, a request PDU and the time in; the varbinds, error status and index of
the response out. The transport (farm) and the security layers (community, USM) are
elsewhere. Semantics follow real agents: GET answers noSuchObject / noSuchInstance,
GETNEXT and GETBULK answer endOfMibView past the end, GETBULK truncates its repetitions
to what fits in the message, a GET whose answer does not fit gets tooBig, SET is refused
(read-only agent), and anything that is not a request is ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Generic, TypeVar

from simulators.mib import View
from vigie.snmp.ber import encode_oid
from vigie.snmp.pdu import encode_varbind_tlvs
from vigie.snmp.types import END_OF_MIB_VIEW, OID, VarBind

GET, GETNEXT, RESPONSE, SET, GETBULK = 0xA0, 0xA1, 0xA2, 0xA3, 0xA5
NO_ERROR, TOO_BIG, NO_ACCESS, NOT_WRITABLE, GEN_ERR = 0, 1, 6, 17, 5
MAX_BULK_VARBINDS = 2048
_END = b"\x82\x00"  # endOfMibView

T = TypeVar("T")  # a varbind: (OID, value), or its BER TLV
Encoder = Callable[[list[Any], int, int], bytes]  # (varbinds, error status, error index) -> message


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    varbinds: list[T]
    error_status: int = NO_ERROR
    error_index: int = 0
    fixed: int = 0  # GETBULK: varbinds answering the non-repeaters
    width: int = 0  # GETBULK: varbinds per repetition (0: not a GETBULK answer)


def answer(view: View, pdu_type: int, varbinds: tuple[VarBind, ...], non_repeaters: int,
           max_repetitions: int, ctx: Any) -> Answer[VarBind] | None:
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
        return _bulk(view, varbinds, non_repeaters, max_repetitions, ctx, False)
    if pdu_type == SET:
        return Answer([(oid, value) for oid, value in varbinds], NOT_WRITABLE if varbinds else NO_ERROR,
                      1 if varbinds else 0)
    return None


def answer_encoded(view: View, pdu_type: int, varbinds: tuple[VarBind, ...], non_repeaters: int,
                   max_repetitions: int, ctx: Any) -> Answer[bytes] | None:
    """:func:`answer` with the varbinds as BER TLVs, ready for
    :func:`vigie.snmp.pdu.encode_response_tlvs`: GETBULK walks tables straight into bytes."""
    if pdu_type == GETBULK:
        return _bulk(view, varbinds, non_repeaters, max_repetitions, ctx, True)
    found = answer(view, pdu_type, varbinds, non_repeaters, max_repetitions, ctx)
    if found is None:
        return None
    return Answer(encode_varbind_tlvs(found.varbinds), found.error_status, found.error_index)


def encode_fitting(ans: Answer[Any], encode: Encoder, max_size: int) -> bytes:
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


def _end(oid: OID, encoded: bool) -> Any:
    if encoded:
        name = encode_oid(oid)
        return b"\x30" + bytes((len(name) + 2,)) + name + _END if len(name) < 126 else \
            encode_varbind_tlvs([(oid, END_OF_MIB_VIEW)])[0]
    return (oid, END_OF_MIB_VIEW)


def _bulk(view: View, varbinds: tuple[VarBind, ...], non_repeaters: int, max_repetitions: int,
          ctx: Any, encoded: bool) -> Answer[Any]:
    n = min(max(non_repeaters, 0), len(varbinds))
    out: list[Any] = []
    for oid, _ in varbinds[:n]:
        found = view.next(oid, ctx)
        out.append(found if found is not None else (oid, END_OF_MIB_VIEW))
    if encoded:
        out = encode_varbind_tlvs(out)
    repeaters = [oid for oid, _ in varbinds[n:]]
    m = max(max_repetitions, 0)
    if not repeaters or m == 0:
        return Answer(out)
    # Each repeated variable walks its own column: fetch its m successors in one go
    # (the view does not search again per step), then interleave them row by row.
    m = min(m, max((MAX_BULK_VARBINDS - len(out)) // len(repeaters), 1))
    if encoded:
        planned = _planned(view, repeaters, m, ctx)
        if planned is not None:
            out += planned
            return Answer(out, fixed=n, width=len(repeaters))
    walks: list[list[Any]] = []
    ended = 0  # the longest walk among those that reached the end of the MIB view
    for oid in repeaters:
        w: list[Any]
        last: OID | None
        if encoded:
            w, last = view.walk_encoded(oid, ctx, m)
        else:
            walked = view.walk(oid, ctx, m)
            w, last = walked, walked[-1][0] if walked else None
        if len(w) < m:  # this variable reached the end of the MIB view
            ended = max(ended, len(w)) if ended >= 0 else ended
            w.extend([_end(last if last is not None else oid, encoded)] * (m - len(w)))
        else:
            ended = -1
        walks.append(w)
    rows = m if ended < 0 else ended + 1  # every variable has ended: stop after the first row where all have
    if len(walks) == 1:
        out.extend(walks[0][:rows])
    else:
        for row in zip(*walks):
            out.extend(row)
            rows -= 1
            if not rows:
                break
    return Answer(out, fixed=n, width=len(walks))


# --- GETBULK plans -------------------------------------------------------------------------
# The shape of a GETBULK answer (which column runs, which padding, in which order) depends
# only on the request and on the device's rows when every walk has a plan: it is computed
# once per (rows, repeaters, repetitions), and then only values are computed.

REQUEST_PLANS_MAX = 16384
Run = tuple[Any, int, int, list[Any]]  # (column, first row, end row, rows prepared by the column)
RequestPlan = tuple[tuple[Run, ...], list[bytes], Callable[[list[bytes]], Sequence[bytes]]]
_UNPLANNED: Any = object()


def _planned(view: View, repeaters: list[OID], m: int, ctx: Any) -> list[bytes] | None:
    rows = view.plan_rows(ctx)
    if rows is None:
        return None
    key = (rows.serial, m, *repeaters)
    plan = view.request_plans.get(key, _UNPLANNED)
    if plan is _UNPLANNED:
        plan = _request_plan(view, repeaters, m, ctx, key)
    if plan is None:
        return None
    runs, pads, pick = plan
    flat: list[bytes] = []
    for column, start, stop, names in runs:
        flat += column.varbinds(ctx, start, stop, names)
    flat += pads
    return list(pick(flat))


def _request_plan(view: View, repeaters: list[OID], m: int, ctx: Any, key: tuple[Any, ...]) -> RequestPlan | None:
    runs: list[Run] = []
    pads: list[bytes] = []
    columns: list[list[int]] = []  # per repeater: where its m varbinds are in runs' output + pads
    flat = 0
    found: RequestPlan | None = None
    for oid in repeaters:
        plan = view.walk_plan(oid, ctx, m)
        if plan is None:
            break
        size = sum(stop - start for _, start, stop, _ in plan[0])
        runs.extend(plan[0])
        columns.append(list(range(flat, flat + size)))
        flat += size
        if size < m:  # this variable reaches the end of the MIB view
            pads.append(_end(plan[1] if plan[1] is not None else oid, True))
            columns[-1].extend([-len(pads)] * (m - size))  # patched below, once flat is known
    else:
        ended = [len([i for i in c if i >= 0]) for c in columns]
        rows = m if max(ended) == m else max(ended) + 1  # all ended: stop after the first row where all have
        order = [flat - i - 1 if i < 0 else i for i in (c[r] for r in range(rows) for c in columns)]
        pick = itemgetter(*order) if len(order) > 1 else (lambda f, i=order[0]: (f[i],))
        found = (tuple(runs), pads, pick)
    if len(view.request_plans) >= REQUEST_PLANS_MAX:
        view.request_plans.clear()
    view.request_plans[key] = found
    return found
