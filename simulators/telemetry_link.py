"""The simulator's MQTT link: paho-mqtt driven by hand from one thread (no asyncio, no network thread).

The simulator publishes thousands of messages a second from Python: measured here, aiomqtt's
``await client.publish()`` costs ≈176 µs of CPU per message (an event, a timeout and a loop turn
each), paho's own ``publish()`` ≈43 µs. The collector, which only receives, stays on aiomqtt; the
simulator calls paho directly: :func:`connect` waits for the CONNACK, :meth:`Link.publish` writes
at once, :meth:`Link.serve` reads, pings and waits (it is the publisher's sleep).
"""

from __future__ import annotations

import ssl
import time
import urllib.parse
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from vigie.errors import ConfigError

CONNECT_TIMEOUT_S = 5.0
OK = MQTTErrorCode.MQTT_ERR_SUCCESS


class LinkError(Exception):
    """The broker cannot be reached, refused us, or the connection was lost."""


def broker_address(url: str) -> tuple[str, int, bool]:
    """(host, port, TLS) of ``mqtt://HOST[:PORT]`` or ``mqtts://HOST[:PORT]``."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname or parts.password is not None:
        raise ConfigError(f"telemetry broker {url!r}: write mqtt://HOST[:PORT] or mqtts://HOST[:PORT] "
                          "(credentials are given apart, never in the URL)")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise ConfigError(f"telemetry broker {url!r}: the port is not a number in 1..65535") from None
    return parts.hostname, port, tls


class Link:
    """One connected paho client."""

    def __init__(self, client: mqtt.Client) -> None:
        self.client = client

    def publish(self, topic: str, payload: bytes, qos: int = 0) -> None:
        info = self.client.publish(topic, payload, qos)
        if info.rc != OK:
            raise LinkError(f"publish failed: {mqtt.error_string(info.rc)}")

    def serve(self, timeout: float) -> None:
        """Read what came, write what waits, keep the connection alive; block at most ``timeout``."""
        rc = self.client.loop(max(timeout, 0.0))
        if rc != OK:
            raise LinkError(f"connection lost: {mqtt.error_string(rc)}")

    def close(self) -> None:
        try:
            self.client.disconnect()
            self.client.loop(0.0)
        except (OSError, ValueError):
            pass
        sock = self.client.socket()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


def connect(host: str, port: int, client_id: str, username: str | None, password: str | None,
            tls: ssl.SSLContext | None, keepalive: int = 30) -> Link:
    """A connected :class:`Link`, or :class:`LinkError` saying why not (never the password)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True,
                         reconnect_on_failure=False)
    if username:
        client.username_pw_set(username, password)
    if tls is not None:
        client.tls_set_context(tls)
    answer: list[Any] = []

    def on_connect(_c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any = None) -> None:
        answer.append(reason)

    client.on_connect = on_connect
    link = Link(client)
    try:
        client.connect(host, port, keepalive)
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while not answer:
            if time.monotonic() > deadline:
                raise LinkError(f"no answer to CONNECT within {CONNECT_TIMEOUT_S:g} s")
            link.serve(0.1)
    except (OSError, ssl.SSLError) as exc:
        link.close()
        raise LinkError(str(exc)) from exc
    except LinkError:
        link.close()
        raise
    if getattr(answer[0], "is_failure", False):
        link.close()
        raise LinkError(f"connection refused: {answer[0]}")
    return link


__all__ = ["Link", "LinkError", "broker_address", "connect"]
