"""UDP SNMP load generator for the bench scripts (no asyncio, no pysnmp: our codec).

* :func:`run_rate`: one fixed request (pre-encoded, request-id patched per send) sent
  round-robin to many agent addresses, with a fixed window in flight, for a bounded time
  and count; counts responses (matched by request-id), varbinds, bytes and losses.
* :func:`run_cycle`: what a poller does for every device: GET sysUpTime.0, then a GETBULK
  walk of some columns until each one leaves its table, with many devices in flight.
* :func:`collect_runs`: :func:`run_rate` for several windows and repeats, with the
  agent's CPU (:func:`tree_cpu`: a process and its children, from ``/proc``) and the
  machine's busy time sampled around each run.
* Run as a script (``python bench/_loadgen.py --target 127.0.0.1:PORT --pid PID ...``),
  it measures one agent that way and prints one JSON line: sim_capacity.py runs it with
  ``ip netns exec`` against an snmpd inside a network namespace.
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import socket
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from vigie.snmp import (
    END_OF_MIB_VIEW,
    GET,
    GETBULK,
    GETNEXT,
    SNMP_V2C,
    CommunityMessage,
    decode_message,
    encode_request,
)
from vigie.snmp.errors import SnmpError

OID = tuple[int, ...]
RCVBUF = 8 * 1024 * 1024
_TICK = os.sysconf("SC_CLK_TCK")
RID_BASE = 0x1000_0000  # request-ids from here on all encode on 4 octets


# -- /proc ------------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
    except OSError:
        pass
    return out


def tree_pids(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(children_of(p))
    return pids


def proc_cpu(pid: int) -> float:
    """utime + stime of one process, seconds (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # fields 14 and 15 of stat(5)


def tree_cpu(pid: int) -> float:
    return sum(proc_cpu(p) for p in tree_pids(pid))


def machine_busy_s() -> float:
    """CPU-seconds all CPUs spent not idle since boot (/proc/stat)."""
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)  # idle + iowait
    return (sum(parts[:8]) - idle) / _TICK


def tree_rss_mib(pid: int) -> float:
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# -- wire helpers ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Template:
    """A request whose 4-octet request-id sits between ``head`` and ``tail``."""

    head: bytes
    tail: bytes

    def build(self, rid: int) -> bytes:
        return self.head + rid.to_bytes(4, "big") + self.tail


def make_template(pdu_type: int, names: Sequence[OID], max_repetitions: int = 0,
                  community: bytes = b"public") -> Template:
    probe = RID_BASE + 0x123456
    data = encode_request(SNMP_V2C, community, pdu_type, probe, names, 0, max_repetitions)
    marker = b"\x02\x04" + probe.to_bytes(4, "big")
    at = data.index(marker) + 2
    tpl = Template(data[:at], data[at + 4:])
    assert tpl.build(probe) == data
    return tpl


def _skip_len(data: bytes, i: int) -> int:
    """Offset of the content of the TLV whose length octet is at ``i``."""
    n = data[i]
    return i + 1 + (n & 0x7F if n & 0x80 else 0)


def _len_at(data: bytes, i: int) -> tuple[int, int]:
    n = data[i]
    if n < 0x80:
        return n, i + 1
    k = n & 0x7F
    return int.from_bytes(data[i + 1:i + 1 + k], "big"), i + 1 + k


def response_head(data: bytes, count: bool = True) -> tuple[int, int, int]:
    """(request-id, error-status, varbind count) of a v2c Response, without decoding
    values; raises IndexError/ValueError on anything else."""
    i = _skip_len(data, 1)  # content of the message SEQUENCE
    i += 2 + data[i + 1]  # version
    return _head_after_version(data, i + 1, count)  # community's length octet


def _head_after_version(data: bytes, i: int, count: bool) -> tuple[int, int, int]:
    # i points at the community's length octet
    n, i = _len_at(data, i)
    i += n
    if data[i] != 0xA2:
        raise ValueError("not a Response PDU")
    i = _skip_len(data, i + 1)
    n = data[i + 1]
    rid = int.from_bytes(data[i + 2:i + 2 + n], "big", signed=True)
    i += 2 + n
    n = data[i + 1]
    status = int.from_bytes(data[i + 2:i + 2 + n], "big")
    i += 2 + n
    i += 2 + data[i + 1]  # error-index
    if not count:
        return rid, status, -1
    if data[i] != 0x30:
        raise ValueError("no varbind list")
    size, i = _len_at(data, i + 1)
    end = i + size
    vbs = 0
    while i < end:
        n = data[i + 1]
        if n < 0x80:
            i += 2 + n
        else:
            k = n & 0x7F
            i += 2 + k + int.from_bytes(data[i + 2:i + 2 + k], "big")
        vbs += 1
    return rid, status, vbs


def open_sockets(n: int) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for opt, force in ((socket.SO_RCVBUF, 33), (socket.SO_SNDBUF, 32)):  # *BUFFORCE needs root
            try:
                s.setsockopt(socket.SOL_SOCKET, force, RCVBUF)
            except OSError:
                s.setsockopt(socket.SOL_SOCKET, opt, RCVBUF)
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
        socks.append(s)
    return socks


def drain(socks: Sequence[socket.socket], quiet: float = 0.3) -> int:
    """Read and drop whatever arrives until ``quiet`` seconds pass without a datagram."""
    n = 0
    deadline = time.monotonic() + quiet
    while time.monotonic() < deadline:
        got = False
        for s in socks:
            while True:
                try:
                    s.recv(65535)
                except BlockingIOError:
                    break
                n += 1
                got = True
        if got:
            deadline = time.monotonic() + quiet
        else:
            time.sleep(0.02)
    return n


# -- fixed-request rate -------------------------------------------------------------------


@dataclass(slots=True)
class RateResult:
    window: int
    seconds: float = 0.0
    sent: int = 0
    responses: int = 0
    varbinds: int = 0
    bytes_in: int = 0
    errors: int = 0  # responses with a non-zero error-status
    lost: int = 0  # no answer within the timeout
    stray: int = 0  # unknown request-id (late answers of an earlier run)
    bad: int = 0  # undecodable, or a sampled full decode disagreeing with the fast count
    client_cpu_s: float = 0.0

    @property
    def pdus_per_s(self) -> float:
        return self.responses / self.seconds if self.seconds else 0.0

    @property
    def varbinds_per_s(self) -> float:
        return self.varbinds / self.seconds if self.seconds else 0.0


def run_rate(socks: Sequence[socket.socket], targets: Sequence[tuple[str, int]],
             templates: Sequence[Template], window: int, seconds: float, max_count: int,
             timeout: float = 1.0, sample_every: int = 64, start_at: int = 0) -> RateResult:
    """Keep ``window`` requests in flight for ``seconds`` (or ``max_count`` answers).
    Request k goes to ``targets[(start_at + k) % len]`` with ``templates[k % len]``."""
    res = RateResult(window)
    sel = selectors.DefaultSelector()
    for sock in socks:
        sel.register(sock, selectors.EVENT_READ)
    pending: dict[int, float] = {}
    order: deque[tuple[float, int]] = deque()  # (sent at, rid), in send order
    ntargets, ntpl, nsocks = len(targets), len(templates), len(socks)
    rid = RID_BASE
    k = start_at
    cpu0 = time.process_time()
    t0 = now = time.monotonic()
    end = t0 + seconds
    next_scan = t0 + 0.1
    while now < end and res.responses < max_count:
        while len(pending) < window:
            rid += 1
            data = templates[k % ntpl].build(rid)
            try:
                socks[rid % nsocks].sendto(data, targets[k % ntargets])
            except BlockingIOError:
                rid -= 1
                break
            k += 1
            pending[rid] = now
            order.append((now, rid))
            res.sent += 1
        for key, _ in sel.select(0.05):
            rsock = cast(socket.socket, key.fileobj)
            while True:
                try:
                    data = rsock.recv(65535)
                except BlockingIOError:
                    break
                try:
                    r, status, vbs = response_head(data)
                except (IndexError, ValueError):
                    res.bad += 1
                    continue
                if pending.pop(r, None) is None:
                    res.stray += 1
                    continue
                res.responses += 1
                res.varbinds += vbs
                res.bytes_in += len(data)
                if status:
                    res.errors += 1
                if res.responses % sample_every == 0:
                    try:
                        msg = decode_message(data)
                        if not isinstance(msg, CommunityMessage) or len(msg.pdu.varbinds) != vbs:
                            res.bad += 1
                    except SnmpError:
                        res.bad += 1
        now = time.monotonic()
        if now >= next_scan:
            next_scan = now + 0.1
            limit = now - timeout
            while order and order[0][0] <= limit:
                _, r = order.popleft()
                if pending.pop(r, None) is not None:
                    res.lost += 1  # the slot is freed: the next fill sends a fresh request
            if len(order) > 4 * window + 1024:  # answered entries pile up: compact
                order = deque((t, r) for t, r in order if r in pending)
    res.seconds = time.monotonic() - t0
    res.client_cpu_s = time.process_time() - cpu0
    sel.close()
    return res


def collect_runs(socks: Sequence[socket.socket], targets: Sequence[tuple[str, int]],
                 templates: Sequence[Template], pid: int, windows: Sequence[int], repeats: int,
                 seconds: float, max_count: int) -> dict[int, list[dict[str, float]]]:
    """``repeats`` runs of :func:`run_rate` per window; per run the load generator's
    figures, the agent's CPU-seconds (process ``pid`` and its children) and the machine's
    busy CPU-seconds over the run."""
    out: dict[int, list[dict[str, float]]] = {}
    for window in windows:
        runs: list[dict[str, float]] = []
        for r in range(repeats):
            drain(socks, 0.2)
            cpu0, busy0 = tree_cpu(pid), machine_busy_s()
            res = run_rate(socks, targets, templates, window, seconds, max_count,
                           start_at=(r * 7919) % max(len(targets), 1))
            cpu, busy = tree_cpu(pid) - cpu0, machine_busy_s() - busy0
            runs.append({"seconds": res.seconds, "sent": res.sent, "responses": res.responses,
                         "varbinds": res.varbinds, "bytes_in": res.bytes_in, "errors": res.errors,
                         "lost": res.lost, "stray": res.stray, "bad": res.bad,
                         "client_cpu_s": res.client_cpu_s, "agent_cpu_s": cpu, "busy_s": busy})
        out[window] = runs
    return out


# -- simple blocking requests (set-up, checks) --------------------------------------------

MIB2: OID = (1, 3, 6, 1, 2, 1)
IF_INDEX: OID = (1, 3, 6, 1, 2, 1, 2, 2, 1, 1)
IF_ADMIN_STATUS: OID = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7)
IF_OPER_STATUS: OID = (1, 3, 6, 1, 2, 1, 2, 2, 1, 8)


def snmp_walk_values(sock: socket.socket, target: tuple[str, int], root: OID,
                     limit: int) -> list[tuple[OID, object]]:
    """(OID, value) under ``root`` (GETBULK walk with our codec; blocking, 2 s per request)."""
    out: list[tuple[OID, object]] = []
    cursor = root
    rid = 1
    sock.setblocking(True)
    sock.settimeout(2.0)
    try:
        while len(out) < limit:
            rid += 1
            sock.sendto(encode_request(SNMP_V2C, b"public", GETBULK, rid, [cursor], 0, 50), target)
            while True:
                msg = decode_message(sock.recv(65535))
                if isinstance(msg, CommunityMessage) and msg.pdu.request_id == rid:
                    break
            for oid, value in msg.pdu.varbinds:
                if value is END_OF_MIB_VIEW or oid[:len(root)] != root:
                    return out
                out.append((oid, value))
                cursor = oid
            if not msg.pdu.varbinds:
                return out
    finally:
        sock.setblocking(False)
    return out


def snmp_walk(sock: socket.socket, target: tuple[str, int], root: OID, limit: int) -> list[OID]:
    """OIDs under ``root``."""
    return [oid for oid, _ in snmp_walk_values(sock, target, root, limit)]


def wait_answering(sock: socket.socket, target: tuple[str, int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    sock.setblocking(True)
    sock.settimeout(0.5)
    try:
        while time.monotonic() < deadline:
            sock.sendto(encode_request(SNMP_V2C, b"public", GETNEXT, 7, [MIB2]), target)
            try:
                sock.recv(65535)
                return True
            except (TimeoutError, ConnectionRefusedError):
                time.sleep(0.1)
                continue
    finally:
        sock.setblocking(False)
    return False


def if_table_summary(sock: socket.socket, target: tuple[str, int], limit: int = 5000) -> dict[str, object]:
    """Rows of the agent's ifTable and how its ifAdminStatus / ifOperStatus values spread."""
    def spread(col: OID) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, value in snmp_walk_values(sock, target, col, limit):
            key = str(int(value)) if isinstance(value, int) else repr(value)
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    return {"rows": len(snmp_walk(sock, target, IF_INDEX, limit)),
            "admin_status": spread(IF_ADMIN_STATUS), "oper_status": spread(IF_OPER_STATUS)}


# -- a poll cycle -------------------------------------------------------------------------

SYS_UPTIME: OID = (1, 3, 6, 1, 2, 1, 1, 3, 0)


@dataclass(slots=True)
class _Dev:
    target: tuple[str, int]
    cursors: list[OID]
    columns: list[OID]  # still being walked
    step: int = 0  # 0: GET sysUpTime, then GETBULK
    tries: int = 0
    data: bytes = b""
    rid: int = 0


@dataclass(slots=True)
class CycleResult:
    devices: int = 0
    completed: int = 0
    failed: int = 0
    pdus: int = 0  # answered requests
    requests_sent: int = 0
    varbinds: int = 0  # all varbinds received
    useful_varbinds: int = 0  # inside the walked columns (+ sysUpTime)
    lost: int = 0
    errors: int = 0
    wall_s: float = 0.0
    client_cpu_s: float = 0.0
    incomplete: bool = False
    notes: list[str] = field(default_factory=list)


def run_cycle(socks: Sequence[socket.socket], targets: Sequence[tuple[str, int]], columns: Sequence[OID],
              max_repetitions: int, concurrency: int, bound_s: float, timeout: float = 1.0,
              retries: int = 2) -> CycleResult:
    res = CycleResult(devices=len(targets))
    sel = selectors.DefaultSelector()
    for sock in socks:
        sel.register(sock, selectors.EVENT_READ)
    nsocks = len(socks)
    queue = deque(targets)
    inflight: dict[int, _Dev] = {}
    order: deque[tuple[float, int]] = deque()
    rid = RID_BASE
    get_tpl = make_template(GET, [SYS_UPTIME])
    cols = [tuple(c) for c in columns]

    def send(dev: _Dev, now: float) -> None:
        nonlocal rid
        rid += 1
        if dev.step == 0:
            dev.data = get_tpl.build(rid)
        else:
            dev.data = encode_request(SNMP_V2C, b"public", GETBULK, rid, dev.cursors, 0, max_repetitions)
        dev.rid = rid
        dev.tries = 0
        socks[rid % nsocks].sendto(dev.data, dev.target)
        res.requests_sent += 1
        inflight[rid] = dev
        order.append((now, rid))

    cpu0 = time.process_time()
    t0 = now = time.monotonic()
    deadline = t0 + bound_s
    next_scan = t0 + 0.1
    while (queue or inflight) and now < deadline:
        while queue and len(inflight) < concurrency:
            dev = _Dev(queue.popleft(), list(cols), list(cols))
            send(dev, now)
        for key, _ in sel.select(0.05):
            rsock = cast(socket.socket, key.fileobj)
            while True:
                try:
                    data = rsock.recv(65535)
                except BlockingIOError:
                    break
                try:
                    msg = decode_message(data)
                except SnmpError:
                    res.errors += 1
                    continue
                if not isinstance(msg, CommunityMessage):
                    res.errors += 1
                    continue
                pdu = msg.pdu
                got = inflight.pop(pdu.request_id, None)
                if got is None:
                    continue
                dev = got
                res.pdus += 1
                vbs = pdu.varbinds
                res.varbinds += len(vbs)
                now = time.monotonic()
                if pdu.error_status or not vbs:
                    res.errors += 1
                    res.failed += 1
                    continue
                if dev.step == 0:
                    res.useful_varbinds += 1
                    dev.step = 1
                    send(dev, now)
                    continue
                n = len(dev.columns)
                keep_cols: list[OID] = []
                keep_cur: list[OID] = []
                for j in range(n):
                    col = dev.columns[j]
                    plen = len(col)
                    last = dev.cursors[j]
                    left = False
                    for i in range(j, len(vbs), n):
                        oid, value = vbs[i]
                        if value is END_OF_MIB_VIEW or oid[:plen] != col:
                            left = True
                            break
                        last = oid
                        res.useful_varbinds += 1
                    if not left:
                        keep_cols.append(col)
                        keep_cur.append(last)
                if keep_cols:
                    dev.columns, dev.cursors = keep_cols, keep_cur
                    send(dev, now)
                else:
                    res.completed += 1
        now = time.monotonic()
        if now >= next_scan:
            next_scan = now + 0.1
            limit = now - timeout
            while order and order[0][0] <= limit:
                _, r = order.popleft()
                late = inflight.get(r)
                if late is None:
                    continue
                res.lost += 1
                if late.tries >= retries:
                    del inflight[r]
                    res.failed += 1
                    continue
                late.tries += 1
                socks[r % nsocks].sendto(late.data, late.target)
                res.requests_sent += 1
                order.append((now, r))
            if len(order) > 4 * concurrency + 1024:
                order = deque((t, r) for t, r in order if r in inflight)
    res.wall_s = time.monotonic() - t0
    res.client_cpu_s = time.process_time() - cpu0
    if queue or inflight:
        res.incomplete = True
        res.notes.append(f"stopped at the {bound_s:.0f} s bound: {len(queue)} devices not started, "
                         f"{len(inflight)} in flight")
    sel.close()
    return res


# -- script: measure one agent, print one JSON line -----------------------------------------


def _parse_oid(text: str) -> OID:
    return tuple(int(x) for x in text.strip().strip(".").split("."))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="GETBULK rate of one SNMP agent; prints one JSON line.")
    ap.add_argument("--target", required=True, help="HOST:PORT of the agent")
    ap.add_argument("--pid", type=int, required=True, help="the agent's process (its CPU is sampled)")
    ap.add_argument("--columns", required=True, help="dotted OIDs of the GETBULK, comma-separated")
    ap.add_argument("--max-repetitions", type=int, default=10)
    ap.add_argument("--windows", default="16,64,256")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--max-requests", type=int, default=1_000_000)
    ap.add_argument("--sockets", type=int, default=4)
    ap.add_argument("--wait", type=float, default=10.0, help="seconds to wait for a first answer")
    args = ap.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    target = (host, int(port))
    columns = [_parse_oid(c) for c in args.columns.split(",") if c.strip()]
    windows = [int(w) for w in args.windows.split(",")]
    out: dict[str, object] = {"target": args.target, "answering": False}
    socks = open_sockets(args.sockets)
    try:
        if wait_answering(socks[0], target, args.wait):
            out["answering"] = True
            out["if_table"] = if_table_summary(socks[0], target)
            tpl = make_template(GETBULK, columns, args.max_repetitions)
            runs = collect_runs(socks, [target], [tpl], args.pid, windows, args.repeats, args.seconds,
                                args.max_requests)
            out["runs"] = {str(w): r for w, r in runs.items()}
    finally:
        for s in socks:
            s.close()
    print(json.dumps(out, separators=(",", ":")), flush=True)
    return 0 if out["answering"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
