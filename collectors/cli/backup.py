"""Configuration backups with history: one file per version, a unified diff per change, retention.

Layout under the backup directory::

    <device>/20260301T020304Z.cfg     a version (normalised text)
    <device>/20260301T020304Z.diff    unified diff from the previous version (none for the first)
    <device>/lldp.json                the last LLDP cross-check (written by the scheduler)

A new version is written only when the normalised configuration differs from the latest
one: lines that change on their own (IOS ``ntp clock-period``, "Current configuration :
N bytes", Junos "## Last commit", VRP "!Last configuration was updated") are dropped, line
endings are made ``\\n`` and trailing blanks removed. Names sort in time order; a second
version within the same second gets the next free second, so the order always holds.
Files are written to a temporary name and renamed, so a crash never leaves half a version.
Retention keeps the ``keep`` newest versions of each device (and their diffs).
"""

from __future__ import annotations

import calendar
import difflib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from collectors.cli.platforms import Platform

STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^\d{8}T\d{6}Z\.cfg$")
_DEVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class BackupOutcome:
    device: str
    changed: bool  # a new version was written
    path: Path  # the version now current (the new one, or the unchanged latest)
    previous: Path | None  # the version before it (None for a device's first backup)
    added: int = 0  # lines added and removed since ``previous``
    removed: int = 0
    pruned: int = 0  # old versions removed by retention

    @property
    def first(self) -> bool:
        return self.changed and self.previous is None


def normalise(platform: Platform, text: str) -> str:
    """The configuration without its self-changing lines, ``\\n``-terminated, trailing blanks removed."""
    volatile = platform.volatile_re()
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if volatile.fullmatch(line.strip()):
            continue
        out.append(line)
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=old_name, tofile=new_name, n=3))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class BackupStore:
    """Versions of device configurations under ``root``."""

    def __init__(self, root: str | Path, keep: int = 100) -> None:
        if keep < 1:
            raise ValueError(f"keep={keep}: retention must keep at least one version")
        self.root = Path(root)
        self.keep = keep

    def folder(self, device: str) -> Path:
        if not _DEVICE.fullmatch(device) or ".." in device:
            raise ValueError(f"device name {device!r} cannot be a folder name; rename it in the inventory")
        return self.root / device

    def versions(self, device: str) -> list[Path]:
        """The versions of ``device``, oldest first."""
        folder = self.folder(device)
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if _NAME.fullmatch(p.name))

    def latest(self, device: str) -> Path | None:
        found = self.versions(device)
        return found[-1] if found else None

    def devices(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and any(
            _NAME.fullmatch(q.name) for q in p.iterdir()))

    def diff_path(self, version: Path) -> Path:
        return version.with_suffix(".diff")

    def diff(self, device: str, older: Path | None = None, newer: Path | None = None) -> str:
        """Unified diff between two versions (default: the last two)."""
        found = self.versions(device)
        if newer is None:
            if not found:
                return ""
            newer = found[-1]
        if older is None:
            before = [p for p in found if p.name < newer.name]
            if not before:
                return ""
            older = before[-1]
        return unified_diff(older.read_text(encoding="utf-8"), newer.read_text(encoding="utf-8"),
                            f"{device}/{older.name}", f"{device}/{newer.name}")

    def _name_for(self, latest: Path | None, when: float) -> str:
        t = int(when)
        if latest is not None:
            last = calendar.timegm(time.strptime(latest.stem, STAMP))
            t = max(t, last + 1)
        return time.strftime(STAMP, time.gmtime(t)) + ".cfg"

    def save(self, device: str, platform: Platform, text: str, when: float | None = None) -> BackupOutcome:
        """Store ``text`` (as read from the device) if it differs from the latest version."""
        now = time.time() if when is None else when
        config = normalise(platform, text)
        folder = self.folder(device)
        folder.mkdir(parents=True, exist_ok=True)
        latest = self.latest(device)
        old = latest.read_text(encoding="utf-8") if latest is not None else None
        if old == config:
            assert latest is not None
            return BackupOutcome(device, False, latest, None)
        path = folder / self._name_for(latest, now)
        added = removed = 0
        if old is not None and latest is not None:
            diff = unified_diff(old, config, f"{device}/{latest.name}", f"{device}/{path.name}")
            for line in diff.splitlines():
                if line.startswith("+") and not line.startswith("+++"):
                    added += 1
                elif line.startswith("-") and not line.startswith("---"):
                    removed += 1
            _write_atomic(self.diff_path(path), diff)
        _write_atomic(path, config)
        pruned = self.prune(device)
        return BackupOutcome(device, True, path, latest, added, removed, pruned)

    def prune(self, device: str) -> int:
        """Remove the versions beyond the ``keep`` newest (and their diffs); how many went."""
        found = self.versions(device)
        gone = 0
        for old in found[:-self.keep] if len(found) > self.keep else []:
            old.unlink(missing_ok=True)
            self.diff_path(old).unlink(missing_ok=True)
            gone += 1
        return gone


__all__ = ["STAMP", "BackupOutcome", "BackupStore", "normalise", "unified_diff"]
