"""netmiko's and paramiko's exceptions become Vigie's, in one place, without the password."""

from __future__ import annotations

import socket

import paramiko
import pytest
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

from collectors.cli.errors import (
    CliAuthError,
    CliCommandError,
    CliConnectError,
    CliError,
    CliTimeout,
    convert,
    scrub,
)
from vigie.errors import VigieError

SECRET = "S3cr3t-Pa55"


def _convert(exc: BaseException, step: str = "") -> CliError:
    return convert(exc, "S00042-R1", "127.16.0.42", 2222, "vigie", (SECRET,), step)


@pytest.mark.parametrize(("exc", "kind", "words"), [
    (NetmikoAuthenticationException(f"Authentication to device failed. password={SECRET}"), CliAuthError,
     "authentication refused for user 'vigie'"),
    (paramiko.AuthenticationException("Authentication failed."), CliAuthError, "authentication refused"),
    (ValueError("Failed to enter enable mode. Please ensure you pass the 'secret' argument"), CliAuthError,
     "'enable' refused"),
    (NetmikoTimeoutException("A paramiko SSHException occurred during connection creation:\n\n"
                             "Error reading SSH protocol banner"), CliTimeout, "no SSH banner"),
    (ReadTimeout("Pattern not detected: 'S00042\\-R1\\#' in output."), CliTimeout, "no prompt back"),
    (TimeoutError("timed out"), CliTimeout, "no answer"),
    (paramiko.SSHException("Incompatible ssh peer (no acceptable kex algorithm)"), CliConnectError, "SSH failed"),
    (EOFError(), CliConnectError, "connection closed by the device"),
    (socket.gaierror(-2, "Name or service not known"), CliConnectError, "cannot be resolved"),
])
def test_each_failure_has_its_kind_the_device_and_the_fix(exc: BaseException, kind: type[CliError],
                                                          words: str) -> None:
    err = _convert(exc, "show running-config")
    assert type(err) is kind
    assert isinstance(err, VigieError)
    assert err.device == "S00042-R1"
    text = str(err)
    assert text.startswith("device 'S00042-R1': ") and words in text and "127.16.0.42:2222" in text
    assert SECRET not in text


def test_a_refused_tcp_connection_is_found_under_netmikos_timeout() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError:
            raise NetmikoTimeoutException("TCP connection to device failed.") from None
    except NetmikoTimeoutException as exc:
        plain = exc
    err = _convert(plain)  # the cause hidden: netmiko's words are enough
    assert type(err) is CliConnectError and "TCP connection to 127.16.0.42:2222 failed" in str(err)
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError:
            raise NetmikoTimeoutException("TCP connection to device failed.")  # noqa: B904 - context kept
    except NetmikoTimeoutException as exc:
        chained = exc
    err = _convert(chained)
    assert type(err) is CliConnectError and "connection refused" in str(err)


def test_unknown_errors_keep_their_text_with_secrets_scrubbed() -> None:
    err = _convert(RuntimeError(f"boom while sending {SECRET}"), "enable")
    assert type(err) is CliError and err.kind == "error"
    assert "RuntimeError during 'enable'" in str(err) and SECRET not in str(err) and "***" in str(err)
    assert scrub("ab", ["ab"]) == "ab"  # too short to be a secret worth hiding (would mangle text)


def test_our_own_errors_pass_through_and_get_the_device() -> None:
    own = CliCommandError("'show bogus' was refused: % Invalid input")
    err = _convert(own)
    assert err is own and err.device == "S00042-R1" and str(err).startswith("device 'S00042-R1': ")
    assert err.kind == "command"


def test_the_exception_tree() -> None:
    for cls in (CliAuthError, CliTimeout, CliConnectError, CliCommandError):
        assert issubclass(cls, CliError) and issubclass(cls, VigieError)
