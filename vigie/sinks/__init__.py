"""Metrics sinks: full-resolution metrics out of Vigie, as InfluxDB line protocol.

- :mod:`vigie.sinks.lineproto`: pure formatting of Vigie objects into lines;
- :mod:`vigie.sinks.spool`: the bounded on-disk spool of batches not sent yet;
- :mod:`vigie.sinks.influx`: :class:`InfluxSink`, batching to InfluxDB / VictoriaMetrics
  through influxdb-client (async), with buffer, spool, retries and stats;
- :mod:`vigie.sinks.settings`: :class:`InfluxSettings` and the retry backoff;
- :mod:`vigie.sinks.errors`: :class:`SinkError` and its subclasses.

See ``docs/metrics.md``.
"""

from vigie.sinks.errors import (
    SinkClosed,
    SinkConfigError,
    SinkError,
    SinkRejected,
    SinkUnavailable,
    SpoolError,
    convert_error,
)
from vigie.sinks.influx import InfluxSink, SinkStats, Writer
from vigie.sinks.settings import Backoff, InfluxSettings
from vigie.sinks.spool import Spool, SpoolRecord

__all__ = [
    "Backoff",
    "InfluxSettings",
    "InfluxSink",
    "SinkClosed",
    "SinkConfigError",
    "SinkError",
    "SinkRejected",
    "SinkStats",
    "SinkUnavailable",
    "Spool",
    "SpoolError",
    "SpoolRecord",
    "Writer",
    "convert_error",
]
