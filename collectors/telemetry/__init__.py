"""Streaming telemetry over MQTT (``docs/telemetry.md``).

- :mod:`~collectors.telemetry.schema`: the JSON payload, validated (pure);
- :mod:`~collectors.telemetry.ingest`: messages → observations, late / duplicate / out-of-order
  samples dropped, silent devices → TIMEOUT polls (sans-IO);
- :mod:`~collectors.telemetry.broker`: broker URL, credentials, TLS, backoff, error messages;
- :mod:`~collectors.telemetry.collector`: the aiomqtt subscriber, an
  :class:`~vigie.monitor.runtime.ObservationSource` the monitor runs next to the SNMP poller.

``collector_from_settings(settings.telemetry, inventory)`` builds it from ``[telemetry]``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from collectors.telemetry.broker import Broker, parse_broker
from collectors.telemetry.collector import CollectorOptions, TelemetryCollector, TelemetryStats
from collectors.telemetry.ingest import Ingest, IngestSettings, topic_for
from collectors.telemetry.schema import BrokerConfigError, PayloadError, Sample, TelemetryError, parse_payload
from vigie.model import Inventory
from vigie.secrets import resolve
from vigie.settings import TelemetrySection


def collector_from_settings(section: TelemetrySection, inventory: Inventory, *,
                            expected: Collection[str] | None = None, options: CollectorOptions | None = None,
                            environ: Mapping[str, str] | None = None) -> TelemetryCollector:
    """The collector ``[telemetry]`` describes. Every inventory device is expected to publish (pass
    ``expected`` to watch fewer; a device heard once is watched from then on). Raises
    :class:`~vigie.errors.ConfigError` (a bad URL, an unresolvable password, an unreadable CA file)."""
    password = resolve(section.password, environ) if section.password else None
    broker = parse_broker(section.broker, section.username or None, password, section.ca_file or None)
    settings = IngestSettings(topic_prefix=section.topic_prefix, expected_period_s=section.expected_period_s,
                              max_message_bytes=section.max_message_bytes)
    return TelemetryCollector(inventory, broker, settings, expected=expected, options=options)


__all__ = [
    "Broker", "BrokerConfigError", "CollectorOptions", "Ingest", "IngestSettings", "PayloadError", "Sample",
    "TelemetryCollector", "TelemetryError", "TelemetryStats", "collector_from_settings", "parse_broker",
    "parse_payload", "topic_for",
]
