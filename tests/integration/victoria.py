"""A real VictoriaMetrics server for the metrics sink's integration tests (and its bench).

``victoria-metrics -storageDataPath DIR -httpListenAddr 127.0.0.1:PORT`` runs as a
subprocess on a free TCP port of 127.0.0.1, in a private directory; readiness is polled on
``/health`` with a deadline; it is stopped by its PID (SIGTERM, bounded wait, SIGKILL) and
can be started again on the same port and data directory (an outage, then a recovery).

Reads go through ``POST /internal/force_flush`` (new samples become readable at once) and
``/api/v1/export`` (one JSON object per series: metric labels, values, timestamps in ms).
VictoriaMetrics names an InfluxDB field ``<measurement>_<field>``, keeps about 12
significant digits of a float, ignores the bucket and answers 204 even to malformed lines.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.procs import terminate

BINARY = shutil.which("victoria-metrics") or "/usr/bin/victoria-metrics"
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
HTTP_TIMEOUT_S = 10.0


def available() -> bool:
    return os.access(BINARY, os.X_OK)


def free_tcp_port() -> int:
    """A TCP port nobody listens on right now on 127.0.0.1 (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Victoria:
    """One VictoriaMetrics process (``proc`` is None while stopped)."""

    directory: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "victoria.log"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def start(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Start (or restart) on the same port and data directory; wait for ``/health``."""
        assert self.proc is None, "already running"
        self.directory.mkdir(parents=True, exist_ok=True)
        cmd = [BINARY, "-storageDataPath", str(self.data_dir), "-httpListenAddr", f"127.0.0.1:{self.port}",
               "-retentionPeriod", "100y"]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         cwd=str(self.directory))
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                raise AssertionError(f"victoria-metrics exited with {code} before ready:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1.0) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"victoria-metrics not healthy within {timeout:.0f} s:\n{self.log_text()}")

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM by PID, bounded wait, SIGKILL if needed; the exit code (0 when not running)."""
        proc, self.proc = self.proc, None
        return 0 if proc is None else terminate(proc, timeout)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _request(self, path: str, method: str = "GET", data: bytes | None = None) -> bytes:
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_S) as r:
            body: bytes = r.read()
            return body

    def force_flush(self) -> None:
        self._request("/internal/force_flush", method="POST")

    def export(self, match: str) -> list[dict[str, Any]]:
        """``/api/v1/export?match[]=MATCH`` after a force flush: one dict per series."""
        self.force_flush()
        body = self._request("/api/v1/export?" + urllib.parse.urlencode({"match[]": match}))
        return [json.loads(ln) for ln in body.decode().splitlines() if ln.strip()]

    def samples(self, match: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[int, float]]]:
        """{(metric name, sorted labels): [(timestamp ms, value), ...] sorted}: duplicates kept."""
        out: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[int, float]]] = {}
        for series in self.export(match):
            labels = dict(series["metric"])
            name = labels.pop("__name__")
            key = (name, tuple(sorted(labels.items())))
            out.setdefault(key, []).extend(zip(series["timestamps"], series["values"]))
        for v in out.values():
            v.sort()
        return out


def start_victoria(directory: Path, port: int | None = None) -> Victoria:
    vm = Victoria(directory, port if port is not None else free_tcp_port())
    vm.start()
    return vm


@pytest.fixture(name="victoria")
def victoria_fixture(tmp_path: Path) -> Iterator[Victoria]:
    """A running VictoriaMetrics in ``tmp_path/victoria`` (skipped when the binary is missing)."""
    if not available():
        pytest.skip(f"victoria-metrics is not installed ({BINARY}): apt-get install victoria-metrics")
    vm = start_victoria(tmp_path / "victoria")
    try:
        yield vm
    finally:
        code = vm.stop()
        assert code in (0, -signal.SIGTERM), f"victoria-metrics exited with {code}:\n{vm.log_text()}"
