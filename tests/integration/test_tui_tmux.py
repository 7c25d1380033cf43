"""``vigie demo`` in a real terminal (tmux): the dashboard comes up over the simulated network and the
running monitor, shows the simulated sites, and quitting it stops the monitor cleanly (store
flushed) and the farm. A layout bug can show only in a real terminal: this reads the screen.

tmux runs on its own server socket (``-L``), started by this test and killed at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.farmkit import free_udp_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SITES = 300


def processes_mentioning(text: str) -> list[int]:
    """Processes whose command line mentions ``text`` (our own temporary directory: nobody else's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and "tmux" not in cmdline:
            found.append(int(entry.name))
    return found


def tile_count(text: str, label: str) -> int | None:
    """The number on the overview's tile for a state (the line above its label)."""
    lines = text.splitlines()
    for i, line in enumerate(lines[1:], 1):
        col = line.find(label)
        if col >= 0:
            found = re.search(r"\d[\d,]*", lines[i - 1][max(0, col - 12):col + 12])
            return int(found.group().replace(",", "")) if found else None
    return None


def test_demo_opens_the_dashboard_and_quits_cleanly(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    socket_name = f"vigie-test-{os.getpid()}"
    demo_dir = tmp_path / "demo"
    exit_file = tmp_path / "exit-code"
    port = free_udp_port()
    command = (f"{sys.executable} -m vigie.cli demo --sites {SITES} --dir {demo_dir} --port {port} --interval 10; "
               f"echo $? > {exit_file}; sleep 30")
    tmux = ["tmux", "-L", socket_name]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIE_", "TMUX"))}
    env["TERM"] = "xterm-256color"

    def screen() -> str:
        out = subprocess.run([*tmux, "capture-pane", "-p", "-t", "demo"], capture_output=True, text=True, env=env)
        return out.stdout

    subprocess.run([*tmux, "new-session", "-d", "-s", "demo", "-x", "160", "-y", "50", "-c", str(ROOT), command],
                   check=True, env=env)
    try:
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline:
            text = screen()
            up = tile_count(text, "● UP")
            if "live monitor (in-process)" in text and "polling" in text and up:
                break
            time.sleep(0.5)
        else:
            log = demo_dir / "monitor.log"
            pytest.fail(f"the overview did not show the simulated sites within 60 s; screen:\n{text}\n"
                        f"monitor log: {log.read_text() if log.exists() else '-'}")
        assert f"{SITES} sites" in text
        counts = [tile_count(text, label) for label in ("▼ DOWN", "◌ UNREACHABLE", "◐ DEGRADED", "? UNKNOWN",
                                                        "≡ MAINT", "● UP")]
        assert sum(c or 0 for c in counts) == SITES, counts  # every simulated site is on the overview
        for pop in ("PAR", "LYO", "MRS"):
            assert f"─ {pop} ─" in text, f"no tile for POP {pop}:\n{text}"
        assert "Plane A" in text and "Plane B" in text and "Availability this month" in text
        assert "Traceback" not in text
        assert processes_mentioning(str(demo_dir / "rie.json")), "the farm should be running"

        subprocess.run([*tmux, "send-keys", "-t", "demo", "q"], check=True, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not exit_file.exists():
            time.sleep(0.5)
        assert exit_file.exists(), f"vigie demo did not end within 60 s of q; screen:\n{screen()}"
        assert exit_file.read_text().strip() == "0", screen()
        assert "stopped after" in screen()
        assert not processes_mentioning(str(demo_dir / "rie.json")), "the farm is still running"
        with sqlite3.connect(demo_dir / "vigie.db") as conn:  # the monitor flushed what it saw
            (sites,) = conn.execute("SELECT count(DISTINCT element) FROM state_changes WHERE kind = 'site'").fetchone()
        assert sites == SITES
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, env=env)
        for pid in processes_mentioning(str(demo_dir)):  # never leave a farm behind
            try:
                os.kill(pid, 9)
            except OSError:
                pass
