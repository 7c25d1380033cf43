"""What Vigie does in a CLI session: back the configuration up, read facts, cross-check LLDP.

Each job is a function of one :class:`~collectors.cli.session.CliSession`, run in the
runner's threads; :func:`backup_devices` is the whole sweep ``vigie backup`` and the
benchmark run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from collectors.cli.backup import BackupOutcome, BackupStore
from collectors.cli.errors import CliCommandError
from collectors.cli.lldp import LldpReport, cross_check
from collectors.cli.parse import InterfaceInfo, Neighbour, VersionInfo, parse_interfaces, parse_lldp, parse_version
from collectors.cli.session import CliRunner, CliSession, Credentials, DeviceResult, select_targets
from vigie.model import Inventory

Clock = Callable[[], float]


def read_config(session: CliSession) -> str:
    """The running configuration; an empty or truncated one is an error (never stored)."""
    p = session.platform
    text = session.send(p.show_config)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise CliCommandError(f"{p.show_config!r} returned nothing", session.target.device)
    if p.config_end and lines[-1] != p.config_end:
        raise CliCommandError(f"the configuration looks truncated (last line {lines[-1][:40]!r}, expected "
                              f"{p.config_end!r}); not stored", session.target.device)
    return text


def backup_job(store: BackupStore, clock: Clock = time.time) -> Callable[[CliSession], BackupOutcome]:
    def job(session: CliSession) -> BackupOutcome:
        text = read_config(session)
        return store.save(session.target.device, session.platform, text, clock())

    return job


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    version: VersionInfo
    interfaces: tuple[InterfaceInfo, ...]
    neighbours: tuple[Neighbour, ...]


def read_interfaces(session: CliSession) -> list[InterfaceInfo]:
    p = session.platform
    return parse_interfaces(p, {c: session.send(c) for c in p.show_interfaces}, session.target.device)


def read_neighbours(session: CliSession) -> list[Neighbour]:
    p = session.platform
    return parse_lldp(p, session.send(p.show_lldp), session.target.device)


def facts_job(session: CliSession) -> DeviceFacts:
    """Version, interfaces and LLDP neighbours, parsed."""
    p = session.platform
    version = parse_version(p, session.send(p.show_version), session.target.device)
    if not version.hostname:  # VRP's 'display version' does not name the device: its prompt does
        prompt = str(getattr(session.conn, "base_prompt", "") or "")
        version = VersionInfo(prompt, version.os_version, version.model, version.serial, version.uptime)
    return DeviceFacts(version, tuple(read_interfaces(session)), tuple(read_neighbours(session)))


def lldp_job(inventory: Inventory, clock: Clock = time.time) -> Callable[[CliSession], LldpReport]:
    def job(session: CliSession) -> LldpReport:
        interfaces = read_interfaces(session)
        neighbours = read_neighbours(session)
        return cross_check(inventory, session.target.device, neighbours, clock(), interfaces)

    return job


def backup_devices(inventory: Inventory, credentials: Credentials, store: BackupStore, *, pattern: str = "*",
                   port: int = 22, workers: int = 32, timeout_s: float = 20.0,
                   on_result: Callable[[DeviceResult[BackupOutcome]], None] | None = None,
                   runner: CliRunner | None = None) -> list[DeviceResult[BackupOutcome]]:
    """Back up every device matching ``pattern``; one result per device, in inventory order."""
    targets = select_targets(inventory, pattern, port)
    own = runner is None
    run = runner or CliRunner(credentials, workers=workers, timeout_s=timeout_s)
    try:
        return run.run_sync(targets, backup_job(store), on_result)
    finally:
        if own:
            run.shutdown()


__all__ = ["DeviceFacts", "backup_devices", "backup_job", "facts_job", "lldp_job", "read_config"]
