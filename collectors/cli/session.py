"""netmiko sessions in a dedicated, bounded thread pool, with per-device results.

netmiko is synchronous: a session is ≈0.5 s of mostly waiting. :class:`CliRunner` owns a
``ThreadPoolExecutor`` of its own (25–50 threads is the measured sweet spot here;
``asyncio.to_thread``'s shared pool has only a handful of threads on a small machine) and
never runs netmiko on the event loop. A job is a function of one :class:`CliSession`; the
runner opens the session, runs the job, closes the session and turns whatever went wrong
into a :class:`~collectors.cli.errors.CliError` (:func:`~collectors.cli.errors.convert`,
the one place). A sweep returns one :class:`DeviceResult` per device: one dead router
never stops it.
"""

from __future__ import annotations

import asyncio
import fnmatch
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from collectors.cli.errors import CliCommandError, CliError, convert
from collectors.cli.platforms import Platform, platform_for
from vigie.model import Inventory

T = TypeVar("T")
CHECK_LINES = 5  # an error shows in the first lines of an output


@dataclass(frozen=True, slots=True)
class Credentials:
    """Login for every device; the password never shows in a repr or a message."""

    username: str
    password: str
    secret: str = ""  # enable secret; empty: the password

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***')"

    @property
    def enable_secret(self) -> str:
        return self.secret or self.password


@dataclass(frozen=True, slots=True)
class Target:
    device: str
    host: str
    port: int
    platform: Platform


def select_targets(inventory: Inventory, pattern: str = "*", port: int = 22) -> list[Target]:
    """The devices whose names match any of the comma-separated globs, in inventory order."""
    globs = [p.strip() for p in pattern.split(",") if p.strip()] or ["*"]
    return [Target(d.name, d.mgmt_address, port, platform_for(d)) for d in inventory.devices.values()
            if any(fnmatch.fnmatchcase(d.name, g) for g in globs)]


@dataclass(frozen=True, slots=True)
class DeviceResult(Generic[T]):
    """What one device gave: a value, or the error that explains why not."""

    device: str
    value: T | None
    error: CliError | None
    started: float  # wall clock
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def kind(self) -> str:
        """``ok``, or the error kind: ``auth``, ``timeout``, ``connect``, ``command``, ``parse``, ``error``."""
        return "ok" if self.error is None else self.error.kind


class CliSession:
    """One logged-in session on one device (used from a worker thread only)."""

    def __init__(self, target: Target, conn: Any, timeout_s: float) -> None:
        self.target = target
        self.conn = conn
        self.timeout_s = timeout_s
        self.step = "login"

    @property
    def platform(self) -> Platform:
        return self.target.platform

    def send(self, command: str) -> str:
        """The output of ``command`` (echo and prompt stripped); a device error is a :class:`CliCommandError`."""
        self.step = command
        out = str(self.conn.send_command(command, read_timeout=self.timeout_s, strip_prompt=True,
                                         strip_command=True))
        checked = 0
        for line in out.splitlines():
            text = line.strip()
            if not text:
                continue
            if any(text.startswith(m) for m in self.platform.error_markers):
                raise CliCommandError(f"{command!r} was refused: {text}", self.target.device)
            checked += 1
            if checked >= CHECK_LINES:
                break
        return out


Connect = Callable[..., Any]


def _netmiko_connect(**kwargs: Any) -> Any:
    from netmiko import ConnectHandler

    return ConnectHandler(**kwargs)


class CliRunner:
    """Runs jobs on devices through netmiko, at most ``workers`` sessions at once."""

    def __init__(self, credentials: Credentials, *, workers: int = 32, timeout_s: float = 20.0,
                 connect: Connect = _netmiko_connect) -> None:
        if workers < 1:
            raise ValueError(f"workers={workers}: at least one session thread is needed")
        self.credentials = credentials
        self.workers = workers
        self.timeout_s = timeout_s
        self._connect = connect
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vigie-cli")
        self._lock = threading.Lock()
        self.sessions = 0

    # --- one device, blocking (runs in a worker thread) --------------------------------
    def open(self, target: Target) -> CliSession:
        c, t = self.credentials, self.timeout_s
        conn = self._connect(device_type=target.platform.netmiko_device_type, host=target.host, port=target.port,
                             username=c.username, password=c.password, secret=c.enable_secret,
                             conn_timeout=t, auth_timeout=t, banner_timeout=t, blocking_timeout=t,
                             read_timeout_override=t, use_keys=False, allow_agent=False, fast_cli=True)
        return CliSession(target, conn, t)

    @staticmethod
    def close(session: CliSession) -> None:
        """Log out without netmiko's idle waits (its Huawei cleanup waits 2 s for silence)."""
        conn = session.conn
        try:
            conn.write_channel(session.platform.logout + "\n")
        except Exception:
            pass
        try:
            conn.paramiko_cleanup()
        except Exception:
            pass
        try:
            conn.disconnect()  # already closed: releases netmiko's per-session log filter
        except Exception:
            pass

    def run_one(self, target: Target, job: Callable[[CliSession], T]) -> DeviceResult[T]:
        started, t0 = time.time(), time.perf_counter()
        session: CliSession | None = None
        step = "connect"
        try:
            session = self.open(target)
            if target.platform.enable:
                session.step = "enable"
                session.conn.enable()
            value = job(session)
            return DeviceResult(target.device, value, None, started, time.perf_counter() - t0)
        except Exception as exc:
            if session is not None:
                step = session.step
            c = self.credentials
            err = convert(exc, target.device, target.host, target.port, c.username, (c.password, c.secret), step)
            return DeviceResult(target.device, None, err, started, time.perf_counter() - t0)
        finally:
            if session is not None:
                self.close(session)
            with self._lock:
                self.sessions += 1

    # --- many devices ------------------------------------------------------------------
    def run_sync(self, targets: Sequence[Target], job: Callable[[CliSession], T],
                 on_result: Callable[[DeviceResult[T]], None] | None = None) -> list[DeviceResult[T]]:
        """Every target, ``workers`` at a time; results in the order of ``targets``."""
        futures: dict[Future[DeviceResult[T]], int] = {}
        results: list[DeviceResult[T] | None] = [None] * len(targets)
        pending = iter(enumerate(targets))

        def submit_next() -> bool:
            nxt = next(pending, None)
            if nxt is None:
                return False
            futures[self.executor.submit(self.run_one, nxt[1], job)] = nxt[0]
            return True

        for _ in range(self.workers * 2):
            if not submit_next():
                break
        while futures:
            done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
            for fut in done:
                i = futures.pop(fut)
                res = fut.result()
                results[i] = res
                if on_result is not None:
                    on_result(res)
                submit_next()
        return [r for r in results if r is not None]

    def submit(self, target: Target, job: Callable[[CliSession], T]) -> Awaitable[DeviceResult[T]]:
        """One device from the event loop: an awaitable that never blocks the loop."""
        return asyncio.get_running_loop().run_in_executor(self.executor, self.run_one, target, job)

    async def run(self, targets: Iterable[Target], job: Callable[[CliSession], T],
                  on_result: Callable[[DeviceResult[T]], None] | None = None) -> list[DeviceResult[T]]:
        """Every target from the event loop, at most ``workers`` in flight."""
        sem = asyncio.Semaphore(self.workers)

        async def one(target: Target) -> DeviceResult[T]:
            async with sem:
                res = await self.submit(target, job)
            if on_result is not None:
                on_result(res)
            return res

        return list(await asyncio.gather(*(one(t) for t in targets)))

    def shutdown(self, wait: bool = True) -> None:
        self.executor.shutdown(wait=wait, cancel_futures=not wait)

    def __enter__(self) -> CliRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


__all__ = ["CliRunner", "CliSession", "Credentials", "DeviceResult", "Target", "select_targets"]
