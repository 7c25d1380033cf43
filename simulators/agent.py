"""Command responder logic of a simulated agent: PDU in, response PDU out (RFC 3416).

Pure: a MIB view, a request PDU and the time in; the varbinds, error status and index of
the response out. The transport (farm) and the security layers (community, USM) are
elsewhere. Semantics follow real agents: GET answers noSuchObject / noSuchInstance,
GETNEXT and GETBULK answer endOfMibView past the end, GETBULK truncates its repetitions
to what fits in the message, a GET whose answer does not fit gets tooBig, SET is refused
(read-only agent), and anything that is not a request is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulators.mib import View
from vigie.snmp.types import END_OF_MIB_VIEW, VarBind

GET, GETNEXT, RESPONSE, SET, GETBULK = 0xA0, 0xA1, 0xA2, 0xA3, 0xA5
NO_ERROR, TOO_BIG, NO_ACCESS, NOT_WRITABLE, GEN_ERR = 0, 1, 6, 17, 5
MAX_BULK_VARBINDS = 2048
ENVELOPE_OVERHEAD = 120  # message header, community or USM parameters, PDU header


@dataclass(frozen=True, slots=True)
class Answer:
    varbinds: list[VarBind]
    error_status: int = NO_ERROR
    error_index: int = 0


def _size(varbind: VarBind) -> int:
    """Upper bound of a varbind's encoded size, cheap to compute."""
    oid, value = varbind
    n = len(oid) + 12
    if isinstance(value, (bytes, tuple)):
        n += len(value) * (5 if isinstance(value, tuple) else 1)
    else:
        n += 9
    return n


def answer(view: View, pdu_type: int, varbinds: tuple[VarBind, ...], non_repeaters: int,
           max_repetitions: int, ctx: Any, max_size: int) -> Answer | None:
    """The answer to a request PDU, or None when the PDU is not a request."""
    budget = max_size - ENVELOPE_OVERHEAD
    if pdu_type == GET:
        out = [(oid, view.get(oid, ctx)) for oid, _ in varbinds]
    elif pdu_type == GETNEXT:
        out = []
        for oid, _ in varbinds:
            found = view.next(oid, ctx)
            out.append(found if found is not None else (oid, END_OF_MIB_VIEW))
    elif pdu_type == GETBULK:
        bulk = _bulk(view, varbinds, non_repeaters, max_repetitions, ctx, budget)
        if varbinds and not bulk:
            return Answer([], TOO_BIG, 0)  # not even one repetition fits
        return Answer(bulk)
    elif pdu_type == SET:
        return Answer([(oid, value) for oid, value in varbinds], NOT_WRITABLE if varbinds else NO_ERROR,
                      1 if varbinds else 0)
    else:
        return None
    if sum(map(_size, out)) > budget:
        return Answer([], TOO_BIG, 0)
    return Answer(out)


def _bulk(view: View, varbinds: tuple[VarBind, ...], non_repeaters: int, max_repetitions: int,
          ctx: Any, budget: int) -> list[VarBind]:
    n = min(max(non_repeaters, 0), len(varbinds))
    m = max(max_repetitions, 0)
    out: list[VarBind] = []
    used = 0
    for oid, _ in varbinds[:n]:
        found = view.next(oid, ctx)
        vb = found if found is not None else (oid, END_OF_MIB_VIEW)
        used += _size(vb)
        out.append(vb)
    repeaters = [oid for oid, _ in varbinds[n:]]
    if not repeaters or m == 0:
        return out
    # Each repeated variable walks its own column: fetch its m successors in one go
    # (the view does not search again per step), then interleave them row by row.
    room = max((MAX_BULK_VARBINDS - len(out)) // len(repeaters), 1)
    m = min(m, room)
    walks = [view.walk(oid, ctx, m) for oid in repeaters]
    for j, w in enumerate(walks):
        if len(w) < m:  # this variable reached the end of the MIB view
            last = w[-1][0] if w else repeaters[j]
            w.extend([(last, END_OF_MIB_VIEW)] * (m - len(w)))
    rows_out = m
    ended_at = [next((i for i, vb in enumerate(w) if vb[1] is END_OF_MIB_VIEW), m) for w in walks]
    all_end = max(ended_at)
    if all_end < m:  # every variable has ended: stop after the first row where all have
        rows_out = all_end + 1
    for i in range(rows_out):
        row = [w[i] for w in walks]
        row_size = sum(map(_size, row))
        # A repetition is sent whole or not at all, so a poller can always resume.
        if used + row_size > budget:
            break
        out.extend(row)
        used += row_size
    return out
