"""The CLI of a simulated router, sans I/O: text in, text out (the SSH server is a thin shell).

:class:`CliShell` is one interactive session: it greets with the platform's prompt, then
takes the bytes the client types and returns what the router would print. Lines are
handled one at a time, and a line is echoed only when it is handled, after the prompt
that precedes it: input typed ahead of a prompt is never echoed early (netmiko reads the
echo of each command, and an early echo desynchronises it under load). Passwords typed
after ``enable`` are not echoed.

Vendor behaviour is data (:class:`SimPlatform`): prompts, greeting, the command table
(words may be abbreviated, as on the real CLIs: ``sh ver``), what an unknown command
prints, which commands need privileges. The outputs are rendered by the vendor modules
(:mod:`simulators.ssh_ios`, :mod:`simulators.ssh_junos`, :mod:`simulators.ssh_vrp`) from
the same :class:`~simulators.device.SimDevice` the SNMP farm serves, at the same instant:
same hostname, interface names, descriptions, states, counters and LLDP neighbours.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from simulators.device import SimDevice
from simulators.traffic import AVG_PACKET, stable_unit
from vigie.model import Endpoint, Interface, Inventory

MAX_LINE = 4096  # longer input lines are cut (a real VTY would beep)


@dataclass(slots=True)
class DeviceConfig:
    """What an operator changed on a simulated device (lines appended to its configuration)."""

    changed_at: float
    changed_by: str = "admin"
    extra: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RenderCtx:
    """One device at one instant, as the renderers need it."""

    sim: SimDevice
    inv: Inventory
    now: float  # wall clock
    config: DeviceConfig
    user: str

    @property
    def name(self) -> str:
        return self.sim.device.name

    def ports(self) -> list[tuple[int, Interface]]:
        return list(enumerate(self.sim.ports))

    def oper_up(self, pos: int) -> bool:
        return self.sim.oper_up(pos, self.now)

    def neighbours(self) -> list[tuple[int, Endpoint]]:
        """(port position, far end) of the LLDP neighbours seen now (the SNMP farm's rule)."""
        return [(pos, far) for pos, far in self.sim.lldp if self.sim.oper_up(pos, self.now)]

    def uptime_s(self) -> float:
        return max(self.now - self.sim.boot_time(self.now), 0.0)

    def octets(self, pos: int, out: int, at: float | None = None) -> int:
        return self.sim.octets(pos, out, self.now if at is None else at)

    def rate_bps(self, pos: int, out: int, window: float = 300.0) -> int:
        boot = self.sim.boot_time(self.now)
        start = max(self.now - window, boot)
        if self.now - start < 1.0:
            return 0
        return int((self.octets(pos, out) - self.octets(pos, out, start)) * 8 / (self.now - start))

    def packets(self, pos: int, out: int) -> int:
        return int(self.octets(pos, out) // AVG_PACKET)

    def serial(self, prefix: str, width: int = 8) -> str:
        n = int(stable_unit(self.name, "serial") * 36**width)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        out = ""
        for _ in range(width):
            n, r = divmod(n, 36)
            out = digits[r] + out
        return prefix + out


Handler = Callable[[RenderCtx, list[str]], str]


@dataclass(frozen=True, slots=True)
class Command:
    words: tuple[str, ...]  # literal words, or "<n>" (a number) or "<any>"
    handler: Handler
    privileged: bool = False


@dataclass(frozen=True, slots=True)
class SimPlatform:
    vendor: str
    prompt: Callable[[str, str, bool], str]  # (hostname, user, privileged) -> prompt
    greeting: Callable[[RenderCtx], str]
    commands: tuple[Command, ...]
    invalid: Callable[[str], str]  # the error printed for an unknown or unauthorised command
    exits: tuple[str, ...] = ("exit", "quit", "logout")
    starts_privileged: bool = True
    enable: str = ""  # the command that asks for the enable secret ("" = none)
    trailer: str = ""  # printed between an output and the next prompt


def _word_matches(typed: str, spec: str) -> bool:
    if spec == "<n>":
        return typed.isdigit()
    if spec == "<any>":
        return True
    return len(typed) >= 1 and spec.startswith(typed.lower())


def find_command(platform: SimPlatform, words: list[str]) -> Command | None:
    """The command ``words`` abbreviate (``sh ver`` → ``show version``), or None."""
    for cmd in platform.commands:
        if len(cmd.words) == len(words) and all(_word_matches(w, s) for w, s in zip(words, cmd.words)):
            return cmd
    return None


def lines(*parts: str) -> str:
    """Output lines joined for a terminal."""
    return "\r\n".join(parts)


class CliShell:
    """One interactive CLI session on one simulated device."""

    __slots__ = ("_buf", "_cr", "_ctx_factory", "closed", "enable_secret", "hostname", "platform", "privileged",
                 "user", "wants_secret")

    def __init__(self, platform: SimPlatform, hostname: str, user: str, enable_secret: str,
                 ctx_factory: Callable[[], RenderCtx]) -> None:
        self.platform = platform
        self.hostname = hostname
        self.user = user
        self.enable_secret = enable_secret
        self._ctx_factory = ctx_factory
        self.privileged = platform.starts_privileged
        self.wants_secret = False
        self.closed = False
        self._buf = ""
        self._cr = False  # the last character handled was a CR (a following LF is part of it)

    def prompt(self) -> str:
        return self.platform.prompt(self.hostname, self.user, self.privileged)

    def greeting(self) -> str:
        return self.platform.greeting(self._ctx_factory()) + self.prompt()

    def feed(self, data: str) -> str:
        """Everything the router prints in answer to ``data`` (complete lines only; the rest waits)."""
        out: list[str] = []
        for ch in data:
            if self.closed:
                break
            if ch in "\r\n":
                if ch == "\n" and self._cr:
                    self._cr = False
                    continue
                self._cr = ch == "\r"
                line, self._buf = self._buf, ""
                out.append(self._line(line))
            else:
                self._cr = False
                if ch in "\x08\x7f":
                    self._buf = self._buf[:-1]
                elif ch >= " " and len(self._buf) < MAX_LINE:
                    self._buf += ch
        return "".join(out)

    def _line(self, line: str) -> str:
        if self.wants_secret:
            self.wants_secret = False
            if line == self.enable_secret:
                self.privileged = True
                return "\r\n" + self.prompt()
            return lines("", "% Access denied", "", self.prompt())
        echo = line + "\r\n"
        words = line.split()
        if not words:
            return echo + self.prompt()
        p = self.platform
        if len(words) == 1 and any(e.startswith(words[0].lower()) and len(words[0]) >= 2 for e in p.exits):
            self.closed = True
            return echo
        if p.enable and len(words) == 1 and p.enable.startswith(words[0].lower()) and len(words[0]) >= 2:
            if self.privileged:
                return echo + self.prompt()
            self.wants_secret = True
            return echo + "Password: "
        cmd = find_command(p, words)
        if cmd is None or (cmd.privileged and not self.privileged):
            return echo + p.invalid(line) + "\r\n" + self.prompt()
        text = cmd.handler(self._ctx_factory(), words)
        if text:
            return echo + text + "\r\n" + p.trailer + self.prompt()
        return echo + p.trailer + self.prompt()


def plural(n: int, unit: str, zero_singular: bool = False) -> str:
    return f"{n} {unit}" if n == 1 or (zero_singular and n == 0) else f"{n} {unit}s"


def uptime_text(seconds: float, style: str = "ios") -> str:
    """``1 year, 22 weeks, 6 days, 9 hours, 38 minutes`` (IOS) or ``161 days, 0 hour, 20 minutes`` (VRP)."""
    s = int(seconds)
    minutes, hours = (s // 60) % 60, (s // 3600) % 24
    if style == "vrp":
        return f"{plural(s // 86400, 'day', True)}, {plural(hours, 'hour', True)}, {plural(minutes, 'minute', True)}"
    days = s // 86400
    years, days = divmod(days, 365)
    weeks, days = divmod(days, 7)
    parts = [(years, "year"), (weeks, "week"), (days, "day"), (hours, "hour"), (minutes, "minute")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    return ", ".join(plural(n, u) for n, u in parts)


def mac_text(raw: bytes, style: str) -> str:
    """A MAC address as Cisco (``0211.2233.4455``), Juniper (``02:11:...``) or Huawei (``0211-2233-4455``) writes it."""
    h = raw.hex()
    if style == "colon":
        return ":".join(h[i:i + 2] for i in range(0, 12, 2))
    sep = "." if style == "dot" else "-"
    return sep.join(h[i:i + 4] for i in range(0, 12, 4))


def stamp(t: float, fmt: str) -> str:
    return time.strftime(fmt, time.gmtime(t))


__all__ = [
    "CliShell",
    "Command",
    "DeviceConfig",
    "RenderCtx",
    "SimPlatform",
    "find_command",
    "lines",
    "mac_text",
    "plural",
    "stamp",
    "uptime_text",
]
