"""The farm's sockets (SO_REUSEPORT per worker, port probing) and background building."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.farm import SO_REUSEPORT, Farm, FarmSettings
from simulators.responder import Responder
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline
from vigie.errors import SimulatorError
from vigie.inventory import write_inventory
from vigie.model import Inventory
from vigie.snmp.pdu import decode_message, encode_request

IFX_HC_IN = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6)
needs_reuseport = pytest.mark.skipif(SO_REUSEPORT is None, reason="SO_REUSEPORT is Linux's")


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return generate_rie(sites=12, seed=3, port=16100)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_farm(inv: Inventory, port: int) -> Farm:
    return Farm(FarmSettings(inventory=inv, timeline=FaultTimeline(None, inv), start=time.time(), port=port))


@pytest.fixture()
def unfreeze() -> Iterator[None]:
    """Undo what the farm does to this process's garbage collector."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_build_some_is_bounded_and_freezes(inv: Inventory, unfreeze: None) -> None:
    farm = make_farm(inv, free_port())
    pending = list(reversed(inv.devices))
    farm.build_some(pending, budget_s=60.0, most=5)
    assert list(farm.devices) == list(inv.devices)[:5] and len(pending) == len(inv.devices) - 5
    assert gc.get_freeze_count() > 0
    farm.device(pending[-1])  # built on demand meanwhile: not built twice
    built = farm.devices[pending[-1]]
    farm.build_some(pending, budget_s=0.0)  # one device at least, even with no time left
    assert farm.devices[list(inv.devices)[5]] is built and len(farm.devices) == 6


@needs_reuseport
def test_a_port_held_by_anyone_is_refused(inv: Inventory) -> None:
    port = free_port()
    first = make_farm(inv, port)
    first.bind()
    try:
        # another farm would join the first one's SO_REUSEPORT group without the probe
        with pytest.raises(SimulatorError, match=f"cannot listen on UDP port {port}.*--port"):
            make_farm(inv, port).bind()
    finally:
        first.close()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("0.0.0.0", port))
        with pytest.raises(SimulatorError, match="Address already in use"):
            make_farm(inv, port).bind()


@needs_reuseport
def test_own_sockets_replace_the_inherited_ones(inv: Inventory) -> None:
    port = free_port()
    farm = make_farm(inv, port)
    farm.bind()
    inherited = list(farm.sockets)
    try:
        farm.own_sockets()
        assert all(s.fileno() == -1 for s in inherited)  # closed
        assert [s.getsockname()[1] for s in farm.sockets] == [port]
        assert SO_REUSEPORT is not None and farm.sockets[0].getsockopt(socket.SOL_SOCKET, SO_REUSEPORT) == 1
    finally:
        farm.close()


def test_serve_answers_and_builds_everything_in_the_background(inv: Inventory, unfreeze: None) -> None:
    port = free_port()
    farm = make_farm(inv, port)
    farm.bind()
    stop = threading.Event()
    thread = threading.Thread(target=farm.serve, args=(Responder(frozenset({b"public"}), 8192), stop.is_set))
    thread.start()
    try:
        dev = list(inv.devices.values())[-1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(5.0)
            client.sendto(encode_request(1, b"public", 0xA5, 42, [IFX_HC_IN], 0, 3), (dev.mgmt_address, port))
            data, src = client.recvfrom(65535)
        assert src == (dev.mgmt_address, port)  # answered from the device's own address
        msg = decode_message(data)
        assert msg.pdu.request_id == 42 and len(msg.pdu.varbinds) == 3  # type: ignore[union-attr]
        deadline = time.monotonic() + 30
        while len(farm.devices) < len(inv.devices) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert set(farm.devices) == set(inv.devices)
    finally:
        stop.set()
        thread.join(10)
        farm.close()


def _socket_inodes(port: int) -> set[str]:
    inodes = set()
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port:
            inodes.add(fields[9])
    return inodes


def _held_inodes(pid: int) -> set[str]:
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            held.add(target[8:-1])
    return held


@needs_reuseport
@pytest.mark.skipif(not Path("/proc/net/udp").exists(), reason="reads /proc")
def test_each_worker_has_its_own_socket_and_the_parent_none(inv: Inventory, tmp_path: Path) -> None:
    port = free_port()
    path = tmp_path / "rie.json"
    write_inventory(inv, path)
    proc = subprocess.Popen([sys.executable, "-c", "from vigie.cli import main; main()", "simulate",
                             "--inventory", str(path), "--port", str(port), "--workers", "3", "--duration", "20"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and "ready" in proc.stdout.readline()
        addresses = [d.mgmt_address for d in inv.devices.values()]
        deadline = time.monotonic() + 15
        workers: list[int] = []
        while time.monotonic() < deadline:
            workers = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
            if len(workers) == 3 and len(_socket_inodes(port)) == 3:
                break
            time.sleep(0.05)
        bound = _socket_inodes(port)
        assert len(workers) == 3 and len(bound) == 3, (workers, bound)
        assert not bound & _held_inodes(proc.pid)  # the parent reads none: it holds none
        held = [_held_inodes(w) & bound for w in workers]
        assert all(len(h) == 1 for h in held) and set.union(*held) == bound  # one each, all read
        answered = 0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(5.0)
            for n, address in enumerate(addresses):
                client.sendto(encode_request(1, b"public", 0xA0, n, [(1, 3, 6, 1, 2, 1, 1, 5, 0)]), (address, port))
                client.recvfrom(65535)
                answered += 1
        assert answered == len(addresses)
    finally:
        proc.terminate()
        proc.wait(10)
