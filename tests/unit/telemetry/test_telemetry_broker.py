"""Broker settings, reconnection delays and operator messages: never a password in sight."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from aiomqtt import MqttError
from aiomqtt.exceptions import MqttConnectError

from collectors.telemetry import collector_from_settings
from collectors.telemetry.broker import backoff_delay, describe, parse_broker
from collectors.telemetry.schema import BrokerConfigError
from simulators.rie import generate_rie
from vigie.errors import ConfigError, SecretError
from vigie.settings import TelemetrySection

SECRET = "s3cr3t-Pa55"


def test_urls_and_default_ports() -> None:
    b = parse_broker("mqtt://127.0.0.1")
    assert (b.url, b.host, b.port, b.tls) == ("mqtt://127.0.0.1:1883", "127.0.0.1", 1883, False)
    b = parse_broker("mqtts://broker.rie.example:18883/", "vigie", SECRET, "/etc/ssl/rie-ca.pem")
    assert (b.url, b.port, b.tls, b.username, b.ca_file) == ("mqtts://broker.rie.example:18883", 18883, True, "vigie",
                                                             "/etc/ssl/rie-ca.pem")
    assert str(b.password) == SECRET and SECRET not in repr(b) and SECRET not in repr(b.password)
    assert parse_broker("MQTTS://[::1]").url == "mqtts://[::1]:8883"


@pytest.mark.parametrize(("url", "message"), [
    ("http://127.0.0.1:1883", "must start with mqtt:// or mqtts://"),
    ("127.0.0.1:1883", "must start with mqtt://"),
    ("mqtt://127.0.0.1:99999", "port is not a number"),
    ("mqtt://127.0.0.1:1883/rie", "nothing after the port"),
    ("mqtt://", "nothing after the port"),
    (f"mqtt://vigie:{SECRET}@127.0.0.1", "must not carry credentials"),
])
def test_bad_urls_are_refused_with_the_fix(url: str, message: str) -> None:
    with pytest.raises(BrokerConfigError) as info:
        parse_broker(url)
    assert message in str(info.value) and SECRET not in str(info.value)
    assert isinstance(info.value, ConfigError)


def test_ca_file_needs_tls_and_must_be_readable(tmp_path: Path) -> None:
    with pytest.raises(BrokerConfigError, match="not TLS; use mqtts://"):
        parse_broker("mqtt://127.0.0.1", ca_file="/x.pem")
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(BrokerConfigError, match="cannot load it as a CA bundle"):
        parse_broker("mqtts://127.0.0.1", ca_file=str(bad)).context()
    assert parse_broker("mqtt://127.0.0.1").context() is None
    assert parse_broker("mqtts://127.0.0.1").context() is not None  # the system's CAs


def test_backoff_doubles_to_its_cap_with_bounded_jitter() -> None:
    rng = random.Random(7)
    for attempt in range(40):
        ceiling = min(30.0, 0.5 * 2**attempt)
        delays = [backoff_delay(attempt, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 40  # jittered
    assert [round(backoff_delay(a, random.Random(1)), 6) for a in range(3)] == \
           [round(backoff_delay(a, random.Random(1)), 6) for a in range(3)]  # seeded: reproducible


def test_messages_name_the_broker_and_the_user_never_the_password() -> None:
    b = parse_broker("mqtt://127.0.0.1:1884", "vigie", SECRET)
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.reasoncodes import ReasonCode

    auth = describe(MqttConnectError(ReasonCode(PacketTypes.CONNACK, identifier=134)), b, False)
    assert auth.startswith("telemetry broker mqtt://127.0.0.1:1884 refused the connection: Bad user name or password")
    assert "user 'vigie'" in auth and "telemetry.username" in auth and SECRET not in auth
    down = describe(MqttError("[Errno 111] Connection refused"), b, False)
    assert down == "telemetry broker mqtt://127.0.0.1:1884 unreachable: [Errno 111] Connection refused"
    lost = describe(MqttError("Disconnected during message iteration"), b, True)
    assert lost.startswith("connection to telemetry broker mqtt://127.0.0.1:1884 lost")
    tls = describe(MqttError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), b, False)
    assert "TLS failed" in tls and "telemetry.ca_file" in tls


def test_collector_from_settings_resolves_the_password_reference() -> None:
    inv = generate_rie(sites=2, seed=3)
    section = TelemetrySection(enabled=True, broker="mqtt://127.0.0.1:1999", username="vigie",
                               password="env:VIGIE_MQTT_PASSWORD", topic_prefix="rie/tm", expected_period_s=5.0,
                               max_message_bytes=4096)
    col = collector_from_settings(section, inv, environ={"VIGIE_MQTT_PASSWORD": SECRET})
    assert col.name == "telemetry" and col.topic == "rie/tm/+/+"
    assert str(col.broker.password) == SECRET and col.settings.expected_period_s == 5.0
    assert col.settings.max_message_bytes == 4096 and col.tick_s == 1.0
    with pytest.raises(SecretError, match="VIGIE_MQTT_PASSWORD"):
        collector_from_settings(section, inv, environ={})
    anonymous = collector_from_settings(TelemetrySection(enabled=True), inv)
    assert anonymous.broker.username is None and anonymous.broker.password is None
