"""The CLI schedule of ``vigie run``: backups and LLDP cross-checks spread over their periods.

Each device gets a fixed place in each period (a hash of its name and the job), so the
sessions are spread evenly (1,000 devices backed up daily: one session every 86 s, not
1,000 at midnight) and a device is always backed up at the same time of day. The first
run of each device happens at its place in the current period. A device whose previous
job is still running when its next turn comes is skipped and counted, never queued twice.
The event loop only schedules: sessions run in the runner's own threads.

Results: backups go to the :class:`~collectors.cli.backup.BackupStore`; each LLDP report
is written to ``<backup_dir>/<device>/lldp.json``; both are logged (``vigie.cli``),
counted in :attr:`CliScheduler.stats`, kept in :attr:`CliScheduler.recent` and handed to
the optional callbacks (to publish on the bus).
"""

from __future__ import annotations

import asyncio
import heapq
import json
import logging
import math
import os
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.cli.backup import BackupOutcome, BackupStore
from collectors.cli.collect import backup_job, lldp_job
from collectors.cli.lldp import LldpReport
from collectors.cli.session import CliRunner, Credentials, DeviceResult, Target, select_targets
from collectors.scheduler import offset_fraction
from vigie.errors import ConfigError
from vigie.model import Inventory
from vigie.secrets import resolve
from vigie.settings import CliSection

log = logging.getLogger("vigie.cli")
BACKUP, LLDP = "backup", "lldp"


@dataclass(slots=True)
class CliStats:
    backups_ok: int = 0
    backups_changed: int = 0
    backups_failed: int = 0
    lldp_ok: int = 0
    lldp_failed: int = 0
    lldp_missing: int = 0  # findings in the reports of the last run of each device
    lldp_unexpected: int = 0
    lldp_mismatched: int = 0
    skipped: int = 0  # a device's previous job of the same kind was still running
    max_lateness_s: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)  # error kind -> count


def credentials_from(section: CliSection, environ: Mapping[str, str] | None = None) -> Credentials:
    """Username and password of the ``[cli]`` settings (the password is a secret reference)."""
    if not section.username:
        raise ConfigError("cli.username is empty; set the login Vigie uses on the routers")
    if not section.password:
        raise ConfigError("cli.password is empty; give a secret reference such as 'env:VIGIE_SSH_PASSWORD' "
                          "or 'file:/etc/vigie/secrets.toml#ssh.password'")
    return Credentials(section.username, str(resolve(section.password, environ)))


class CliScheduler:
    """Backups every ``section.backup_every_s``, LLDP checks every ``section.lldp_every_s``."""

    def __init__(self, section: CliSection, inventory: Inventory, *, credentials: Credentials | None = None,
                 environ: Mapping[str, str] | None = None, clock: Callable[[], float] = time.time,
                 on_backup: Callable[[DeviceResult[BackupOutcome]], None] | None = None,
                 on_lldp: Callable[[DeviceResult[LldpReport]], None] | None = None,
                 runner: CliRunner | None = None, recent: int = 1000) -> None:
        self.section = section
        self.inventory = inventory
        self.clock = clock
        self.credentials = credentials or credentials_from(section, environ)
        self.targets: list[Target] = select_targets(inventory, section.devices, section.port)
        if not self.targets:
            raise ConfigError(f"cli.devices = {section.devices!r} matches no inventory device")
        self.store = BackupStore(section.backup_dir)
        self._own_runner = runner is None
        self.runner = runner or CliRunner(self.credentials, workers=section.workers, timeout_s=section.timeout_s)
        self.on_backup = on_backup
        self.on_lldp = on_lldp
        self.stats = CliStats()
        self.recent: deque[DeviceResult[Any]] = deque(maxlen=recent)
        self.lldp_reports: dict[str, LldpReport] = {}
        self._running: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def periods(self) -> dict[str, float]:
        return {BACKUP: self.section.backup_every_s, LLDP: self.section.lldp_every_s}

    def first_due(self, now: float) -> list[tuple[float, str, int]]:
        """(due time, job, target index) of every first run: each device at its place in the current period."""
        out = []
        for kind, period in self.periods().items():
            base = math.floor(now / period) * period
            for i, t in enumerate(self.targets):
                due = base + offset_fraction(f"{kind}:{t.device}") * period
                out.append((due + period if due < now else due, kind, i))
        return out

    async def run(self, stop: asyncio.Event) -> CliStats:
        """Schedule until ``stop`` is set; then wait (bounded) for the sessions in flight."""
        heap = self.first_due(self.clock())
        heapq.heapify(heap)
        periods = self.periods()
        log.info("CLI schedule: %d devices, backups every %.0f s, LLDP every %.0f s, %d sessions at most",
                 len(self.targets), periods[BACKUP], periods[LLDP], self.runner.workers)
        try:
            while not stop.is_set():
                due, kind, i = heap[0]
                delay = due - self.clock()
                if delay > 0:
                    try:
                        await asyncio.wait_for(stop.wait(), min(delay, 3600.0))
                    except TimeoutError:
                        pass
                    continue
                heapq.heapreplace(heap, (due + periods[kind], kind, i))
                self.stats.max_lateness_s = max(self.stats.max_lateness_s, -delay)
                self._launch(kind, self.targets[i])
        finally:
            await self._drain()
        return self.stats

    def _launch(self, kind: str, target: Target) -> None:
        key = (kind, target.device)
        if key in self._running:
            self.stats.skipped += 1
            log.warning("%s of %s skipped: the previous one is still running", kind, target.device)
            return
        self._running.add(key)
        task = asyncio.get_running_loop().create_task(self._one(kind, target))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _one(self, kind: str, target: Target) -> None:
        try:
            if kind == BACKUP:
                self._backed_up(await self.runner.submit(target, backup_job(self.store, self.clock)))
            else:
                self._checked(await self.runner.submit(target, lldp_job(self.inventory, self.clock)))
        finally:
            self._running.discard((kind, target.device))

    def _failed(self, kind: str, res: DeviceResult[Any]) -> None:
        assert res.error is not None
        self.stats.errors[res.error.kind] = self.stats.errors.get(res.error.kind, 0) + 1
        log.warning("%s failed: %s", kind, res.error)

    def _backed_up(self, res: DeviceResult[BackupOutcome]) -> None:
        self.recent.append(res)
        if res.value is None:
            self.stats.backups_failed += 1
            self._failed(BACKUP, res)
        else:
            self.stats.backups_ok += 1
            if res.value.changed:
                self.stats.backups_changed += 1
                log.info("backup of %s: new version %s (+%d -%d)", res.device, res.value.path.name,
                         res.value.added, res.value.removed)
        if self.on_backup is not None:
            self.on_backup(res)

    def _checked(self, res: DeviceResult[LldpReport]) -> None:
        self.recent.append(res)
        report = res.value
        if report is None:
            self.stats.lldp_failed += 1
            self._failed(LLDP, res)
        else:
            self.stats.lldp_ok += 1
            self.lldp_reports[res.device] = report
            self.stats.lldp_missing = sum(len(r.missing) for r in self.lldp_reports.values())
            self.stats.lldp_unexpected = sum(len(r.unexpected) for r in self.lldp_reports.values())
            self.stats.lldp_mismatched = sum(len(r.mismatched) for r in self.lldp_reports.values())
            write_report(self.store.folder(res.device) / "lldp.json", report)
            if not report.clean:
                log.warning("LLDP %s", report.summary())
        if self.on_lldp is not None:
            self.on_lldp(res)

    async def _drain(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.section.timeout_s * 3 + 5)
        if self._own_runner:
            self.runner.shutdown(wait=False)


def write_report(path: Path, report: LldpReport) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(report.to_dict(), indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


__all__ = ["BACKUP", "LLDP", "CliScheduler", "CliStats", "credentials_from", "write_report"]
