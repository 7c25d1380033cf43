"""Errors of CLI collection, and the one place where netmiko's and paramiko's become ours.

netmiko's exceptions do not share one base (``NetmikoTimeoutException`` derives from
paramiko's ``SSHException``, ``ReadTimeout`` from netmiko's own base, a refused ``enable``
is a bare ``ValueError``), so :func:`convert` looks at the whole exception chain and
answers with one of::

    VigieError
    └── CliError                    a device could not be read over SSH (``device`` names it)
        ├── CliConnectError         TCP refused or reset, SSH negotiation failed
        ├── CliAuthError            login or ``enable`` refused
        ├── CliTimeout              no banner, no prompt or no output in time
        ├── CliCommandError         the device rejected a command (``% Invalid input``)
        └── CliParseError           an output Vigie could not turn into data

Messages name the device, the address and the fix; they never hold a password (every
known secret is scrubbed from any text taken from a third-party exception).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator

from vigie.errors import VigieError


class CliError(VigieError):
    """A device could not be read over SSH; ``device`` names it (may be empty for pure parsing)."""

    kind = "error"

    def __init__(self, message: str, device: str = "") -> None:
        self.device = device
        self.detail = message
        super().__init__(f"device {device!r}: {message}" if device else message)


class CliConnectError(CliError):
    """The TCP connection was refused or reset, or SSH could not be negotiated."""

    kind = "connect"


class CliAuthError(CliError):
    """The device refused the login (username/password) or the ``enable`` secret."""

    kind = "auth"


class CliTimeout(CliError):
    """The device did not answer in time: no SSH banner, no prompt, or a command that never ended."""

    kind = "timeout"


class CliCommandError(CliError):
    """The device answered a command with an error (unknown command, wrong mode)."""

    kind = "command"


class CliParseError(CliError):
    """An output could not be parsed into data (template and fallback both failed)."""

    kind = "parse"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen and len(seen) < 16:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or (None if cur.__suppress_context__ else cur.__context__)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every (non-trivial) secret replaced by ``***``."""
    for s in secrets:
        if s and len(s) >= 3:
            text = text.replace(s, "***")
    return text


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def convert(exc: BaseException, device: str, address: str, port: int, user: str = "",
            secrets: Iterable[str] = (), step: str = "") -> CliError:
    """The :class:`CliError` for ``exc`` raised while talking to ``device`` at ``address:port``.

    ``step`` says what was being done (``"connect"``, ``"show running-config"``...).
    """
    if isinstance(exc, CliError):
        if not exc.device:
            exc.device = device
            exc.args = (f"device {device!r}: {exc.detail}",)
        return exc
    where = f"{address}:{port}"
    doing = f" during {step!r}" if step else ""
    chain = list(_chain(exc))
    names: set[str] = set()
    for e in chain:
        names |= _names(e)
    text = scrub(" ".join(str(e) for e in chain), secrets)
    if "AuthenticationException" in names or "BadAuthenticationType" in names:
        who = f"user {user!r}" if user else "the configured user"
        return CliAuthError(f"authentication refused for {who} at {where}; check the username and the "
                            "password secret (cli.username, cli.password)", device)
    if isinstance(exc, ValueError) and "enable mode" in str(exc):
        return CliAuthError(f"'enable' refused at {where}; check the enable secret", device)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return CliConnectError(f"connection refused at {where}; is SSH enabled on the device, is the port "
                               "right (cli.port, --port)?", device)
    if any(isinstance(e, socket.gaierror) for e in chain):
        return CliConnectError(f"{where}: the address cannot be resolved; fix mgmt_address in the inventory", device)
    if "ReadTimeout" in names:
        return CliTimeout(f"no prompt back{doing} at {where} within the read timeout; the device is slow or "
                          "stuck (raise cli.timeout_s)", device)
    if any(isinstance(e, TimeoutError | socket.timeout) for e in chain) or "banner" in text.lower():
        return CliTimeout(f"no answer{doing} at {where} (no SSH banner or no prompt in time); the device is "
                          "down or unreachable", device)
    if "NetmikoTimeoutException" in names:
        if "TCP connection to device failed" in text:
            return CliConnectError(f"TCP connection to {where} failed; check the address and the port", device)
        return CliTimeout(f"timed out{doing} at {where}", device)
    if any(isinstance(e, ConnectionResetError | BrokenPipeError | EOFError) for e in chain):
        return CliConnectError(f"connection closed by the device{doing} at {where}", device)
    if "SSHException" in names or isinstance(exc, OSError):
        return CliConnectError(f"SSH failed{doing} at {where}: {text[:200]}", device)
    return CliError(f"{type(exc).__name__}{doing} at {where}: {text[:200]}", device)


__all__ = [
    "CliAuthError",
    "CliCommandError",
    "CliConnectError",
    "CliError",
    "CliParseError",
    "CliTimeout",
    "convert",
    "scrub",
]
