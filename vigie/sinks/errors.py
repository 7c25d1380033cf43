"""Errors of the metrics sinks (all :class:`~vigie.errors.VigieError`)::

    VigieError
    └── SinkError                   a metrics sink failed (never raised by InfluxSink.write)
        ├── SinkConfigError         bad sink settings (also a ConfigError)
        ├── SinkUnavailable         the server could not take the batch: retried with backoff
        │                           (connection refused, timeout, 5xx, 401/403/404, 429)
        ├── SinkRejected            the server refused the data (400, 413, 422): batch dropped
        ├── SinkClosed              write() after close()
        └── SpoolError              the spool directory cannot be used (mode, space, lock)

Messages never contain the token.
"""

from __future__ import annotations

from vigie.errors import ConfigError, VigieError

REJECT_STATUSES = frozenset({400, 413, 422})  # the server refuses the data itself: never retried


class SinkError(VigieError):
    """A metrics sink failed; the message names the server or directory and the cause."""


class SinkConfigError(SinkError, ConfigError):
    """Sink settings are wrong; the message says which and how to fix them."""


class SinkUnavailable(SinkError):
    """The server did not take a batch; it will be retried (``status`` 0 when no HTTP answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class SinkRejected(SinkError):
    """The server refused a batch as bad data: retrying would fail again, so it is dropped."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class SinkClosed(SinkError):
    """The sink was closed; nothing more can be written to it."""


class SpoolError(SinkError):
    """The spool directory cannot be used (permissions, disk full, another sink holds it)."""


def convert_error(exc: BaseException, url: str, timeout_s: float, token: str | None = None) -> SinkError:
    """The one place where influxdb-client, aiohttp and OS errors become Vigie errors.
    The message names the server and the cause, never the token."""
    import aiohttp
    from influxdb_client.client.exceptions import InfluxDBError
    from influxdb_client.rest import ApiException

    if isinstance(exc, SinkError):
        return exc
    status, rejected = 0, False
    if isinstance(exc, ApiException):
        status = int(exc.status or 0)
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
        detail = f"HTTP {status} {exc.reason or ''}".rstrip() + (f": {body.strip()[:200]}" if body.strip() else "")
        if status in REJECT_STATUSES:
            rejected = True
            message = f"{url} refused the batch ({detail}); it is dropped"
        elif status in (401, 403):
            message = f"{url} refused the token ({detail}); check the secret behind token_ref"
        elif status == 404:
            message = f"{url}: org or bucket not found ({detail}); create them or fix the settings"
        else:
            message = f"{url} did not take the batch ({detail})"
    elif isinstance(exc, TimeoutError):
        message = f"{url} did not answer within {timeout_s:g} s"
    elif isinstance(exc, InfluxDBError):
        message = f"{url}: {exc.message or type(exc).__name__}"
    elif isinstance(exc, (OSError, aiohttp.ClientError)):
        message = f"cannot reach {url}: {exc or type(exc).__name__}"
    else:
        message = f"{url}: unexpected {type(exc).__name__}: {exc}"
    if token:
        message = message.replace(token, "***")
    return SinkRejected(message, status) if rejected else SinkUnavailable(message, status)
