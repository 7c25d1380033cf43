"""``vigie backup``: configuration backups on demand, with a progress bar and per-device results.

Exit codes: 0 every device backed up, 1 at least one device failed (each is listed with
the reason), 2 bad input (inventory, flags, missing password variable, no device matching).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from collectors.cli.backup import BackupOutcome, BackupStore
from collectors.cli.collect import backup_devices
from collectors.cli.session import Credentials, DeviceResult, select_targets
from vigie.errors import VigieError

BAR = 30


class Progress:
    """A one-line progress bar on a terminal (nothing when the stream is not a TTY)."""

    def __init__(self, total: int, stream: TextIO, label: str = "backup", every_s: float = 0.1) -> None:
        self.total = total
        self.stream = stream
        self.label = label
        self.every_s = every_s
        self.enabled = stream.isatty()
        self.done = self.ok = self.failed = self.changed = 0
        self.started = time.perf_counter()
        self._shown = 0.0

    def add(self, res: DeviceResult[BackupOutcome]) -> None:
        self.done += 1
        if res.ok:
            self.ok += 1
            if res.value is not None and res.value.changed:
                self.changed += 1
        else:
            self.failed += 1
        now = time.perf_counter()
        if self.enabled and (now - self._shown >= self.every_s or self.done == self.total):
            self._shown = now
            self.draw()

    def line(self) -> str:
        filled = BAR * self.done // max(self.total, 1)
        return (f"{self.label} [{'#' * filled}{'.' * (BAR - filled)}] {self.done}/{self.total}  ok {self.ok}  "
                f"new {self.changed}  failed {self.failed}  {time.perf_counter() - self.started:.1f} s")

    def draw(self) -> None:
        self.stream.write("\r" + self.line())
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def summarise(results: list[DeviceResult[BackupOutcome]], wall_s: float, workers: int, out: TextIO) -> None:
    ok = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    changed = [r for r in ok if r.value is not None and r.value.changed]
    print(f"vigie backup: {len(results)} devices in {wall_s:.1f} s ({workers} sessions at once): {len(ok)} ok "
          f"({len(changed)} new versions, {len(ok) - len(changed)} unchanged), {len(failed)} failed", file=out)
    for r in changed:
        v = r.value
        assert v is not None
        what = "first version" if v.first else f"+{v.added} -{v.removed} lines"
        print(f"  new    {r.device:<14} {v.path.name}  {what}", file=out)
    kinds: dict[str, int] = {}
    for r in failed:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
        print(f"  FAILED {r.device:<14} {r.kind:<8} {r.error}", file=out)
    if kinds:
        print("  failures by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())), file=out)


def _bad(message: str) -> int:
    print(f"vigie backup: {message}", file=sys.stderr)
    return 2


def cmd_backup(args: argparse.Namespace) -> int:
    from vigie.inventory import load_inventory

    if not 1 <= args.workers <= 256:
        return _bad(f"--workers {args.workers} is out of range; use 1..256 (25-50 is the measured sweet spot)")
    if not 1 <= args.port <= 65535:
        return _bad(f"--port {args.port} is not a TCP port; use 1..65535")
    if not args.timeout > 0:
        return _bad(f"--timeout {args.timeout:g} must be positive (seconds)")
    if args.keep < 1:
        return _bad(f"--keep {args.keep} must keep at least one version")
    password = os.environ.get(args.password_env)
    if not password:
        return _bad(f"environment variable {args.password_env!r} is not set; export {args.password_env}=... "
                    "(the SSH password), or name another with --password-env")
    try:
        inv = load_inventory(args.inventory)
        targets = select_targets(inv, args.devices, args.port)
    except (VigieError, KeyError, OSError) as exc:
        return _bad(f"error: {exc}")
    if not targets:
        return _bad(f"--devices {args.devices!r} matches no device of {args.inventory}")
    store = BackupStore(args.backup_dir, keep=args.keep)
    progress = Progress(len(targets), sys.stderr)
    started = time.perf_counter()
    results = backup_devices(inv, Credentials(args.username, password), store, pattern=args.devices, port=args.port,
                             workers=args.workers, timeout_s=args.timeout, on_result=progress.add)
    summarise(results, time.perf_counter() - started, min(args.workers, len(targets)), sys.stdout)
    return 0 if all(r.ok for r in results) else 1


def add_backup_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inventory", required=True, help="inventory file (JSON)")
    p.add_argument("--devices", default="*", metavar="PATTERN",
                   help="comma-separated globs over device names (default: every device)")
    p.add_argument("--port", type=int, default=22, help="SSH port of the devices (default 22)")
    p.add_argument("--workers", type=int, default=32, help="SSH sessions at once (default 32)")
    p.add_argument("--backup-dir", default="backups", help="where versions are kept (default ./backups)")
    p.add_argument("--username", default=os.environ.get("VIGIE_SSH_USERNAME", "vigie"),
                   help="SSH login (default $VIGIE_SSH_USERNAME or 'vigie')")
    p.add_argument("--password-env", default="VIGIE_SSH_PASSWORD",
                   help="environment variable holding the SSH password (default VIGIE_SSH_PASSWORD)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a device at each step (default 20)")
    p.add_argument("--keep", type=int, default=100, help="versions kept per device (default 100)")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``backup`` to the ``vigie`` command."""
    p = sub.add_parser("backup", help="back up device configurations over SSH now (history and diffs kept)")
    add_backup_arguments(p)
    func: Callable[[argparse.Namespace], int] = cmd_backup
    p.set_defaults(func=func)


def main(argv: list[str] | None = None) -> int:
    """``python -m collectors.cli.command ...`` (the same as ``vigie backup ...``)."""
    p = argparse.ArgumentParser(prog="vigie backup", description="configuration backups over SSH")
    add_backup_arguments(p)
    return cmd_backup(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
