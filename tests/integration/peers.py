"""Real SNMP agents for the poller's integration tests: net-snmp's ``snmpd`` and snmpsim.

Each runs as a subprocess on 127.0.0.1 and a free UDP port, in a private temporary
directory (configuration, persistent state, logs, snmpsim's index cache), and is stopped
by its PID (SIGTERM, bounded wait, SIGKILL). Readiness is polled with net-snmp's
``snmpget`` with a deadline; a peer that does not come up fails with its log.
Also: running ``vigie probe`` / ``vigie poll`` as subprocesses, and reading columns with
``snmpbulkwalk`` into {ifIndex: value}.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tests.integration.farmkit import (
    DATA,
    END_OF_MIB,
    REPO,
    free_udp_port,
    hex_value,
    netsnmp,
    oid_tuple,
    parse_records,
)
from tests.integration.procs import terminate

SNMPD = "/usr/sbin/snmpd"
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
CLI_TIMEOUT_S = 60.0

# net-snmp's snmpd users (passphrases >= 8 characters, RFC 3414)
SNMPD_COMMUNITY = "vigie-ro"
SNMPD_USER_SHA256 = "vigie256"
SNMPD_USER_SHA1 = "vigiesha"
SNMPD_AUTH = "snmpd-auth-passphrase"
SNMPD_PRIV = "snmpd-priv-passphrase"

# where the real recordings are: shared/ beside the work tree (here and in CI), else the repo's copies
SHARED_SNMPREC = REPO.parent / "shared" / "corpora" / "snmpsim-data"
REPO_SNMPREC = DATA / "snmprec"

IF = "1.3.6.1.2.1.2.2.1"
IFX = "1.3.6.1.2.1.31.1.1.1"
# InterfaceSample field -> column read by snmpbulkwalk (the default OID set, 64-bit)
COLUMNS = {
    "name": f"{IFX}.1",
    "admin_status": f"{IF}.7",
    "oper_status": f"{IF}.8",
    "in_discards": f"{IF}.13",
    "in_errors": f"{IF}.14",
    "out_discards": f"{IF}.19",
    "out_errors": f"{IF}.20",
    "speed_mbps": f"{IFX}.15",
    "in_octets": f"{IFX}.6",
    "out_octets": f"{IFX}.10",
}
FALLBACK_COLUMNS = {**COLUMNS, "name": f"{IF}.2", "speed_mbps": f"{IF}.5", "in_octets": f"{IF}.10",
                    "out_octets": f"{IF}.16"}


@dataclass
class Peer:
    """A running agent: its process, where it listens, its private directory."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    directory: Path
    log: Path

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def stop_peer(peer: Peer, timeout: float = STOP_TIMEOUT_S) -> int:
    """SIGTERM by PID, bounded wait, SIGKILL if needed; the exit code."""
    return terminate(peer.proc, timeout)


def _wait_ready(peer: Peer, args: Sequence[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if peer.proc.poll() is not None:
            raise AssertionError(f"{peer.name} exited with {peer.proc.returncode} before ready:\n{peer.log_text()}")
        r = netsnmp("snmpget", *args, "-On", peer.endpoint, ".1.3.6.1.2.1.1.5.0", timeout_s=1, retries=0,
                    wall_timeout=5.0)
        if r.returncode == 0 and ".1.3.6.1.2.1.1.5.0 = " in r.stdout:
            return
        time.sleep(0.2)
    stop_peer(peer)
    raise AssertionError(f"{peer.name}: not answering within {timeout:.0f} s:\n{peer.log_text()}")


# --- net-snmp's snmpd ----------------------------------------------------------------------------


def start_snmpd(directory: Path) -> Peer:
    """``snmpd -f`` with a v2c community and two authPriv users (SHA-256/AES, SHA-1/AES)."""
    directory.mkdir(parents=True, exist_ok=True)
    persist = directory / "persist"
    persist.mkdir(exist_ok=True)
    conf = directory / "snmpd.conf"
    conf.write_text(
        f"rocommunity {SNMPD_COMMUNITY} 127.0.0.1\n"
        f"createUser {SNMPD_USER_SHA256} SHA-256 {SNMPD_AUTH} AES {SNMPD_PRIV}\n"
        f"createUser {SNMPD_USER_SHA1} SHA {SNMPD_AUTH} AES {SNMPD_PRIV}\n"
        f"rouser {SNMPD_USER_SHA256} priv\n"
        f"rouser {SNMPD_USER_SHA1} priv\n"
    )
    port = free_udp_port()
    log = directory / "snmpd.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SNMP", "MIB"))}
    env.update(SNMP_PERSISTENT_DIR=str(persist), MIBS="", MIBDIRS=str(directory))  # no MIB parsing noise
    cmd = [SNMPD, "-f", "-Lf", str(log), "-C", "-c", str(conf), "-p", str(directory / "snmpd.pid"),
           f"udp:127.0.0.1:{port}"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            env=env, cwd=str(directory))
    peer = Peer("snmpd", proc, port, directory, log)
    _wait_ready(peer, ["-v2c", "-c", SNMPD_COMMUNITY], READY_TIMEOUT_S)
    return peer


def snmpd_v3(user: str = SNMPD_USER_SHA256, auth: str = "SHA-256") -> list[str]:
    return ["-v3", "-l", "authPriv", "-u", user, "-a", auth, "-A", SNMPD_AUTH, "-x", "AES", "-X", SNMPD_PRIV]


# --- snmpsim ---------------------------------------------------------------------------------------


def snmpsim_command() -> str | None:
    exe = Path(sys.executable).parent / "snmpsim-command-responder"
    return str(exe) if exe.exists() else shutil.which("snmpsim-command-responder")


def recordings() -> list[Path]:
    """Every real recording: the shared corpus when present, the repo's copies otherwise."""
    found = {p.name: p for p in sorted(REPO_SNMPREC.glob("*.snmprec")) if not p.name.startswith("derived-")}
    if SHARED_SNMPREC.is_dir():
        found.update({p.name: p for p in sorted(SHARED_SNMPREC.glob("*.snmprec"))})
    return [found[n] for n in sorted(found)]


def start_snmpsim(directory: Path, files: Sequence[Path]) -> Peer:
    """snmpsim serving ``files`` (community = file name without .snmprec). As root, snmpsim
    insists on dropping privileges unless SNMPSIM_ALLOW_ROOT=true: the venv may live where
    an unprivileged user cannot read it (/root), so it keeps root here."""
    exe = snmpsim_command()
    assert exe is not None, "snmpsim is not installed: pip install -e '.[test]' (snmpsim, pysmi)"
    data = directory / "data"
    cache = directory / "cache"
    data.mkdir(parents=True, exist_ok=True)
    cache.mkdir(exist_ok=True)
    for f in files:
        shutil.copyfile(f, data / f.name)
    port = free_udp_port()
    log = directory / "snmpsim.log"
    env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true")
    cmd = [exe, "--data-dir", str(data), "--cache-dir", str(cache), f"--agent-udpv4-endpoint=127.0.0.1:{port}",
           "--log-level", "error"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                                cwd=str(directory))
    peer = Peer("snmpsim", proc, port, directory, log)
    _wait_ready(peer, ["-v2c", "-c", files[0].name.removesuffix(".snmprec")], 60.0)
    return peer


# --- Vigie's CLI ---------------------------------------------------------------------------------


def vigie(*args: str, env: dict[str, str] | None = None,
          timeout: float = CLI_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "vigie.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(REPO),
                          env=env if env is not None else clean_env(), stdin=subprocess.DEVNULL)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env.update(extra)
    return env


def probe(endpoint: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """``vigie probe ENDPOINT ARGS --format json`` → (exit code, parsed JSON)."""
    r = vigie("probe", endpoint, *args, "--format", "json", env=env)
    assert r.stdout.strip(), f"vigie probe printed nothing (exit {r.returncode}); stderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, orjson.loads(r.stdout)


def last_json_line(stdout: str) -> dict[str, Any]:
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    assert lines, "no output"
    out: dict[str, Any] = orjson.loads(lines[-1])
    return out


# --- net-snmp reads ------------------------------------------------------------------------------


def bulkwalk_column(endpoint: str, auth: Sequence[str], column: str) -> dict[int, str]:
    """``snmpbulkwalk -On -Oe -Ox`` of one column → {ifIndex: value text} (no MIB loaded:
    enums as numbers, every string in hex)."""
    r = netsnmp("snmpbulkwalk", "-m", "", *auth, "-On", "-Oe", "-Ox", "-Cr25", endpoint, column,
                timeout_s=3, retries=1)
    assert r.returncode == 0, f"snmpbulkwalk {column}: {r.stderr}"
    prefix = oid_tuple(column)
    out: dict[int, str] = {}
    for oid, value in parse_records(r.stdout):
        if value.startswith(END_OF_MIB) or value.startswith("No Such"):
            continue
        t = oid_tuple(oid)
        assert t[:len(prefix)] == prefix and len(t) == len(prefix) + 1, oid
        out[t[-1]] = value
    return out


def walked_value(field: str, text: str) -> object:
    """net-snmp's text of a column value → what ``vigie probe`` shows for it."""
    if field == "name":
        return hex_value(text).decode("utf-8", "replace")
    kind, _, number = text.partition(": ")
    assert kind in ("INTEGER", "Counter32", "Counter64", "Gauge32"), text
    return int(number)


def read_columns(endpoint: str, auth: Sequence[str], columns: dict[str, str] = COLUMNS
                 ) -> dict[str, dict[int, object]]:
    return {f: {i: walked_value(f, v) for i, v in bulkwalk_column(endpoint, auth, col).items()}
            for f, col in columns.items()}


def probe_columns(result: dict[str, Any], fields: Sequence[str]) -> dict[str, dict[int, object]]:
    """A probe's interfaces → {field: {ifIndex: value}} with the None values left out."""
    return {f: {i["if_index"]: i[f] for i in result["interfaces"] if i[f] is not None} for f in fields}
