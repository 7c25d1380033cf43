"""Settings of the InfluxDB sink, and the retry backoff (pure: seeded, no clock).

Precedence (convention 9): argument > environment > default. :meth:`InfluxSettings.from_env`
reads ``VIGIE_INFLUX_*`` variables (``URL``, ``ORG``, ``BUCKET``, ``TOKEN_REF``,
``BATCH_LINES``, ``FLUSH_INTERVAL_S``, ``MEMORY_LINES``, ``SPOOL_DIR``,
``SPOOL_MAX_BYTES``, ``TIMEOUT_S``) under the explicit arguments.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from vigie.sinks.errors import SinkConfigError

ENV_PREFIX = "VIGIE_INFLUX_"


@dataclass(frozen=True, slots=True)
class InfluxSettings:
    """Where and how the full-resolution metrics are written.

    ``token_ref`` is a secret *reference* (``env:NAME`` or ``file:PATH#KEY``, see
    :mod:`vigie.secrets`), resolved when the sink starts; ``None`` sends no token (a
    VictoriaMetrics without authentication). ``spool_dir`` ``None`` keeps everything in
    memory: what overflows is then dropped (and counted).
    """

    url: str = "http://127.0.0.1:8086"
    org: str = "vigie"
    bucket: str = "vigie"
    token_ref: str | None = "env:VIGIE_INFLUX_TOKEN"
    batch_lines: int = 5000  # lines per write request
    flush_interval_s: float = 1.0  # a partial batch waits at most this long
    memory_lines: int = 100_000  # lines held in memory; the oldest beyond go to the spool
    spool_dir: str | os.PathLike[str] | None = None
    spool_max_bytes: int = 256 << 20  # the oldest spooled batches are dropped beyond this
    timeout_s: float = 10.0  # one write request, connection included
    backoff_first_s: float = 0.5
    backoff_max_s: float = 30.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SinkConfigError(f"influx url {self.url!r} is not an http(s) URL; use e.g. 'http://127.0.0.1:8086'")
        if parts.password:
            raise SinkConfigError("influx url must not carry a password; put the token behind token_ref")
        if self.batch_lines < 1:
            raise SinkConfigError(f"batch_lines must be at least 1, not {self.batch_lines}")
        if self.memory_lines < self.batch_lines:
            raise SinkConfigError(f"memory_lines ({self.memory_lines}) must be at least batch_lines "
                                  f"({self.batch_lines})")
        if not self.flush_interval_s > 0:
            raise SinkConfigError(f"flush_interval_s must be positive, not {self.flush_interval_s}")
        if not self.timeout_s > 0:
            raise SinkConfigError(f"timeout_s must be positive, not {self.timeout_s}")
        if self.spool_max_bytes < 1:
            raise SinkConfigError(f"spool_max_bytes must be positive, not {self.spool_max_bytes}")
        if not 0 < self.backoff_first_s <= self.backoff_max_s:
            raise SinkConfigError(f"backoff must satisfy 0 < first ({self.backoff_first_s}) <= max "
                                  f"({self.backoff_max_s})")
        if not self.bucket:
            raise SinkConfigError("bucket must not be empty")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> InfluxSettings:
        """Defaults, then ``VIGIE_INFLUX_*`` variables, then ``overrides`` (arguments win)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            default = f.default
            try:
                if isinstance(default, bool):
                    values[f.name] = raw.lower() in ("1", "true", "yes")
                elif isinstance(default, int):
                    values[f.name] = int(raw)
                elif isinstance(default, float):
                    values[f.name] = float(raw)
                else:
                    values[f.name] = raw or None
            except ValueError:
                raise SinkConfigError(f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a number") from None
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


class Backoff:
    """Exponential backoff with "equal jitter": the n-th delay (n from 0) is drawn uniformly in
    [d/2, d] with d = min(max_s, first_s × 2**n). Seeded, so a test can replay the sequence."""

    def __init__(self, first_s: float = 0.5, max_s: float = 30.0, rng: random.Random | None = None) -> None:
        self.first_s = first_s
        self.max_s = max_s
        self.rng = rng if rng is not None else random.Random()
        self.attempt = 0

    def nominal(self, attempt: int) -> float:
        return min(self.max_s, self.first_s * 2.0 ** min(attempt, 64))

    def next(self) -> float:
        d = self.nominal(self.attempt)
        self.attempt += 1
        return self.rng.uniform(d / 2.0, d)

    def reset(self) -> None:
        self.attempt = 0
