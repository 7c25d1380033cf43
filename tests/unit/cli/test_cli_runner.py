"""CliRunner with a fake netmiko: per-device results, bounded threads, enable, command errors, close."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from netmiko.exceptions import NetmikoAuthenticationException

from collectors.cli.errors import CliAuthError, CliCommandError
from collectors.cli.session import CliRunner, CliSession, Credentials, select_targets
from tests.unit.cli.clikit import PASSWORD, USER, FakeConn, rie

CREDS = Credentials(USER, PASSWORD)


def _version(session: CliSession) -> str:
    return session.send("show version")


def test_results_come_back_per_device_in_order_whatever_fails() -> None:
    inv = rie()
    targets = select_targets(inv, "S0000*", 2222)
    dead = {targets[1].device, targets[4].device}
    conns: list[FakeConn] = []

    def connect(**kw: Any) -> FakeConn:
        name = next(t.device for t in targets if t.host == kw["host"])
        if name in dead:
            raise NetmikoAuthenticationException(f"Authentication to device failed ({kw['password']})")
        conn = FakeConn({"show version": f"{name} uptime is 1 minute", "display version": name,
                         "show running-config": "x"})
        conns.append(conn)
        return conn

    with CliRunner(CREDS, workers=3, connect=connect) as runner:
        seen: list[str] = []
        results = runner.run_sync(targets, lambda s: s.send(s.platform.show_version), lambda r: seen.append(r.device))
    assert [r.device for r in results] == [t.device for t in targets]
    assert sorted(seen) == sorted(t.device for t in targets)
    for r in results:
        if r.device in dead:
            assert isinstance(r.error, CliAuthError) and r.kind == "auth" and r.value is None
            assert PASSWORD not in str(r.error) and r.device in str(r.error)
        else:
            assert r.ok and r.device in str(r.value) and r.duration_s >= 0
    assert all(c.closed for c in conns)
    assert runner.sessions == len(targets)


def test_enable_on_platforms_that_need_it_and_a_refusal_closes_the_session() -> None:
    inv = rie()
    target = next(t for t in select_targets(inv) if t.platform.enable)
    refused = FakeConn({}, on_enable=lambda: (_ for _ in ()).throw(ValueError("Failed to enter enable mode.")))
    with CliRunner(CREDS, connect=lambda **kw: refused) as runner:
        res = runner.run_one(target, _version)
    assert isinstance(res.error, CliAuthError) and "'enable' refused" in str(res.error)
    assert refused.closed and refused.sent[-1] == "exit\n"  # logged out, then closed


def test_a_refused_command_is_a_command_error_only_near_the_top() -> None:
    inv = rie()
    target = select_targets(inv, "S00001-R1")[0]
    marker = target.platform.error_markers[0]
    late = "\n".join(["line"] * 10 + [f"{marker} here is just text in a long output"])
    conn = FakeConn({"bad": f"        ^\n{marker} detected at '^' marker.", "late": late})
    session = CliSession(target, conn, 5.0)
    with pytest.raises(CliCommandError, match="'bad' was refused"):
        session.send("bad")
    assert session.send("late") == late


def test_the_event_loop_never_waits_and_sessions_stay_bounded() -> None:
    inv = rie()
    targets = select_targets(inv)[:12]
    live = 0
    peak = 0
    lock = threading.Lock()

    class Slow(FakeConn):
        def send_command(self, command: str, **kwargs: Any) -> str:
            nonlocal live, peak
            with lock:
                live += 1
                peak = max(peak, live)
            time.sleep(0.05)
            with lock:
                live -= 1
            return "ok"

    async def main() -> tuple[list[Any], int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        task = asyncio.create_task(ticker())
        with CliRunner(CREDS, workers=4, connect=lambda **kw: Slow({})) as runner:
            results = await runner.run(targets, lambda s: s.send("show version"))
        task.cancel()
        return results, ticks

    results, ticks = asyncio.run(main())
    assert all(r.ok for r in results) and len(results) == 12
    assert peak <= 4
    assert ticks >= 10  # the loop kept turning while netmiko "worked"


def test_credentials_never_show_the_password() -> None:
    assert PASSWORD not in repr(CREDS) and "***" in repr(CREDS)
    assert CREDS.enable_secret == PASSWORD
    assert Credentials("u", "p", "en").enable_secret == "en"
    with pytest.raises(ValueError, match="workers"):
        CliRunner(CREDS, workers=0)
