"""Stopping the servers tests start (snmpd, snmpsim, mosquitto, VictoriaMetrics): by PID, bounded."""

from __future__ import annotations

import os
import signal
import subprocess


def terminate(proc: subprocess.Popen[bytes] | subprocess.Popen[str], timeout: float) -> int:
    """SIGTERM by PID, bounded wait, SIGKILL if needed; the exit code."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
    return int(proc.returncode)
