"""Helpers for the CLI tests: a small seeded RIE, simulated shells without sockets, fake netmiko."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from simulators.faults import parse_scenario
from simulators.rie import generate_rie
from simulators.scenario import FaultTimeline
from simulators.ssh_cli import CliShell
from simulators.ssh_server import SshFarm, SshFarmSettings
from vigie.model import Inventory

USER, PASSWORD = "vigie", "Tr0ub4dor&3"


@functools.lru_cache(maxsize=4)
def rie(sites: int = 12, seed: int = 5) -> Inventory:
    return generate_rie(sites=sites, seed=seed)


def farm(inv: Inventory, scenario: str | None = None, start: float | None = None) -> SshFarm:
    """A farm that is never started: its shells are driven directly (sans I/O)."""
    sc = parse_scenario(scenario, inv, "test") if scenario else None
    return SshFarm(SshFarmSettings(inventory=inv, timeline=FaultTimeline(sc, inv),
                                   start=time.time() if start is None else start, port=2222,
                                   username=USER, password=PASSWORD))


def run(shell: CliShell, command: str) -> str:
    """What ``command`` prints, without its echo and the next prompt (as netmiko returns it)."""
    out = shell.feed(command + "\n")
    assert out.startswith(command + "\r\n"), out[:200]
    body = out[len(command) + 2:]
    prompt = shell.prompt()
    assert body.endswith(prompt), body[-200:]
    return body[: -len(prompt)].replace("\r\n", "\n").rstrip("\n")


def logged_in(f: SshFarm, device: str) -> CliShell:
    shell = f.shell(device, USER)
    shell.greeting()
    if not shell.privileged and shell.platform.enable:
        shell.feed("enable\n")
        shell.feed(PASSWORD + "\n")
    assert shell.privileged
    return shell


def first_with_neighbours(inv: Inventory, vendor: str, role_prefix: str = "") -> str:
    for dev in inv.devices.values():
        if dev.vendor == vendor and dev.name.startswith(role_prefix) and len(inv.links_of(dev.name)) >= 2:
            return dev.name
    raise LookupError(f"no {vendor} device with two links")


class FakeConn:
    """Stands for a netmiko connection: canned outputs, or exceptions, per command."""

    def __init__(self, outputs: dict[str, Any], base_prompt: str = "R1", on_enable: Callable[[], None] | None = None):
        self.outputs = outputs
        self.base_prompt = base_prompt
        self.sent: list[str] = []
        self.closed = False
        self.on_enable = on_enable

    def enable(self) -> str:
        if self.on_enable is not None:
            self.on_enable()
        return ""

    def send_command(self, command: str, **kwargs: Any) -> str:
        self.sent.append(command)
        out = self.outputs[command]
        if isinstance(out, BaseException):
            raise out
        if callable(out):
            return str(out())
        return str(out)

    def write_channel(self, data: str) -> None:
        self.sent.append(data)

    def paramiko_cleanup(self) -> None:
        self.closed = True

    def disconnect(self) -> None:
        self.closed = True
