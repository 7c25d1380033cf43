"""Where the broker is and how to reach it: URL, credentials, TLS, reconnection delays, and what
to tell the operator when it fails. No I/O except reading the CA file once, at set-up.

``mqtt://HOST[:PORT]`` (1883 by default) or ``mqtts://HOST[:PORT]`` (TLS, 8883 by default). The URL
never carries credentials (they would end up in logs and process lists): the username is a
setting and the password a secret reference (``env:NAME`` or ``file:PATH#KEY``). Error messages
name the broker by its URL and the user by name, never the password.
"""

from __future__ import annotations

import random
import ssl
import urllib.parse
from dataclasses import dataclass

from collectors.telemetry.schema import BrokerConfigError
from vigie.secrets import Secret

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


@dataclass(frozen=True, slots=True)
class Broker:
    url: str  # as shown in messages: scheme://host:port, never a credential
    host: str
    port: int
    tls: bool
    username: str | None = None
    password: Secret | None = None  # its repr never shows the value
    ca_file: str | None = None  # TLS: the CA bundle that signed the broker's certificate (None: the system's)

    def __repr__(self) -> str:
        return f"Broker({self.url!r}, user={self.username!r}, tls={self.tls})"

    def context(self) -> ssl.SSLContext | None:
        """The TLS context (the broker's certificate and name verified), or None for plain MQTT."""
        if not self.tls:
            return None
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise BrokerConfigError(f"telemetry.ca_file {self.ca_file!r}: cannot load it as a CA bundle ({exc}); "
                                    "give a PEM file of the CA that signed the broker's certificate") from exc


def parse_broker(url: str, username: str | None = None, password: str | None = None,
                 ca_file: str | None = None) -> Broker:
    """A :class:`Broker` from settings; :class:`BrokerConfigError` naming what is wrong and the fix."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise BrokerConfigError(f"telemetry broker {url!r}: must start with mqtt:// or mqtts:// (TLS), "
                                "e.g. mqtt://127.0.0.1:1883")
    if parts.username is not None or parts.password is not None:
        shown = f"{scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
        raise BrokerConfigError(f"telemetry broker {shown!r}: the URL must not carry credentials; "
                                "set telemetry.username and telemetry.password (env:NAME or file:PATH#KEY)")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise BrokerConfigError(f"telemetry broker {url!r}: the port is not a number in 1..65535") from None
    host = parts.hostname
    if not host or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BrokerConfigError(f"telemetry broker {url!r}: write {scheme}://HOST[:PORT], nothing after the port")
    if ca_file and scheme != "mqtts":
        raise BrokerConfigError(f"telemetry.ca_file is set but the broker {url!r} is not TLS; use mqtts://")
    shown_host = f"[{host}]" if ":" in host else host
    return Broker(f"{scheme}://{shown_host}:{port}", host, port, scheme == "mqtts", username or None,
                  Secret(password) if password else None, ca_file or None)


def backoff_delay(attempt: int, rng: random.Random, initial_s: float = 0.5, max_s: float = 30.0) -> float:
    """Seconds before reconnection attempt ``attempt`` (0 = the first retry): exponential, capped,
    with jitter (half fixed, half random) so that many collectors do not reconnect in step."""
    ceiling = min(max_s, initial_s * 2.0 ** min(attempt, 30))
    return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


def describe(exc: BaseException, broker: Broker, connected: bool) -> str:
    """What went wrong with the broker, for an operator (no password, ever)."""
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text} ({cause})"
    low = text.lower()
    if "bad user name or password" in low or "bad username or password" in low or "not authori" in low:
        who = f"user {broker.username!r}" if broker.username else "no user name given"
        return (f"telemetry broker {broker.url} refused the connection: {text.split('] ')[-1]} ({who}); "
                "check telemetry.username and the secret telemetry.password refers to")
    if "certificate" in low or "ssl" in low or "tls" in low:
        hint = ("set telemetry.ca_file to the CA that signed the broker's certificate" if "verify" in low
                else "check that the broker speaks TLS on this port (mqtts://) and its certificate")
        return f"telemetry broker {broker.url}: TLS failed: {text}; {hint}"
    if connected:
        return f"connection to telemetry broker {broker.url} lost: {text}"
    return f"telemetry broker {broker.url} unreachable: {text}"


__all__ = ["DEFAULT_PORTS", "Broker", "backoff_delay", "describe", "parse_broker"]
