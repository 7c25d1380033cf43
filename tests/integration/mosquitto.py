"""A real mosquitto broker for the telemetry tests (and its bench): plain, with passwords, or TLS.

``mosquitto -c FILE`` runs as a subprocess on a free TCP port of 127.0.0.1, in a private
directory (configuration, password file, certificates, log). Run as root, mosquitto would drop to
the ``mosquitto`` user, which cannot read a private temporary directory: the configuration says
``user root``. Readiness is a TCP connection with a deadline; the broker is stopped by its PID
(SIGTERM, bounded wait, SIGKILL) and can be started again on the same port (an outage, then a
recovery). Certificates for TLS are made here with ``cryptography``: a CA and a server
certificate for 127.0.0.1 / localhost, valid for a day.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.procs import terminate

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PUB = shutil.which("mosquitto_pub") or "/usr/bin/mosquitto_pub"
MOSQUITTO_SUB = shutil.which("mosquitto_sub") or "/usr/bin/mosquitto_sub"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def available() -> bool:
    return all(os.access(p, os.X_OK) for p in (MOSQUITTO, MOSQUITTO_PUB, MOSQUITTO_SUB, MOSQUITTO_PASSWD))


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path


def make_tls(directory: Path) -> TlsFiles:
    """A throw-away CA and a server certificate for 127.0.0.1 and localhost (PEM files)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Vigie test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    files.key.chmod(0o600)
    return files


@dataclass
class Mosquitto:
    """One mosquitto process (``proc`` is None while stopped)."""

    directory: Path
    port: int
    users: dict[str, str] = field(default_factory=dict)  # user → password (empty: anonymous allowed)
    tls: TlsFiles | None = None
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.directory / "mosquitto.log"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def _configure(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = ["user root", "persistence false", f"log_dest file {self.log}", "log_type error",
                 "log_type warning", "log_type notice", "log_type information",
                 f"listener {self.port} 127.0.0.1"]
        if self.users:
            pw = self.directory / "passwords"
            pw.unlink(missing_ok=True)
            for n, (user, password) in enumerate(self.users.items()):
                cmd = [MOSQUITTO_PASSWD, "-b"] + (["-c"] if n == 0 else []) + [str(pw), user, password]
                subprocess.run(cmd, check=True, capture_output=True, timeout=10)
            lines += ["allow_anonymous false", f"password_file {pw}"]
        else:
            lines.append("allow_anonymous true")
        if self.tls is not None:
            lines += [f"cafile {self.tls.ca}", f"certfile {self.tls.cert}", f"keyfile {self.tls.key}"]
        conf = self.directory / "mosquitto.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def start(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Start (or restart) on the same port; wait until it accepts TCP connections."""
        assert self.proc is None, "already running"
        conf = self._configure()
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(self.directory))
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code, self.proc = self.proc.returncode, None
                raise AssertionError(f"mosquitto exited with {code} before ready:\n{self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError(f"mosquitto not listening within {timeout:.0f} s:\n{self.log_text()}")

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM by PID, bounded wait, SIGKILL if needed; the exit code (0 when not running)."""
        proc, self.proc = self.proc, None
        return 0 if proc is None else terminate(proc, timeout)

    def client_args(self) -> list[str]:
        """Arguments of mosquitto_pub / mosquitto_sub to reach this broker (first user, CA)."""
        args = ["-h", "127.0.0.1", "-p", str(self.port)]
        if self.users:
            user, password = next(iter(self.users.items()))
            args += ["-u", user, "-P", password]
        if self.tls is not None:
            args += ["--cafile", str(self.tls.ca)]
        return args

    def pub(self, topic: str, payload: bytes, timeout: float = 10.0) -> None:
        """``mosquitto_pub`` one message (payload from stdin, so any bytes and any size go; ``-n`` if empty)."""
        r = subprocess.run([MOSQUITTO_PUB, *self.client_args(), "-t", topic, "-s" if payload else "-n"],
                           input=payload, capture_output=True, timeout=timeout)
        assert r.returncode == 0, f"mosquitto_pub failed ({r.returncode}): {r.stderr.decode(errors='replace')}"


def start_mosquitto(directory: Path, users: dict[str, str] | None = None, tls: bool = False) -> Mosquitto:
    broker = Mosquitto(directory, free_tcp_port(), dict(users or {}), make_tls(directory / "tls") if tls else None)
    broker.start()
    return broker


@pytest.fixture(name="mosquitto")
def mosquitto_fixture(tmp_path: Path) -> Iterator[Mosquitto]:
    """A running anonymous mosquitto in ``tmp_path/mosquitto`` (skipped when not installed)."""
    if not available():
        pytest.skip("mosquitto is not installed: apt-get install mosquitto mosquitto-clients")
    broker = start_mosquitto(tmp_path / "mosquitto")
    try:
        yield broker
    finally:
        code = broker.stop()
        assert code in (0, -signal.SIGTERM), f"mosquitto exited with {code}:\n{broker.log_text()}"
