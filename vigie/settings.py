"""One settings object for ``vigie run``, from four places with a stated precedence:

    command-line flag  >  environment (VIGIE_<SECTION>_<KEY>)  >  TOML file (--config)  >  default

Everything is validated at start, and every problem is reported at once with where the value came
from and how to fix it (``SettingsError``, exit code 2). Unknown keys are errors (a typo must not
silently fall back to a default). Secrets (the InfluxDB token) are never values here, only
references (``env:NAME`` or ``file:PATH``, see :mod:`vigie.secrets`).

Sections and keys (defaults in brackets) are the dataclasses below; ``docs/settings.md`` lists
them all, and ``vigie run --show-settings`` prints the effective values with their origin.
"""

from __future__ import annotations

import os
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from vigie.errors import ConfigError


class SettingsError(ConfigError):
    """Settings that cannot be used; ``problems`` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True, slots=True)
class MonitorSection:
    inventory: str = ""  # inventory file (JSON); required
    store: str = "vigie.db"  # SQLite store (created if missing)
    status_every_s: float = 10.0  # console status line period (0: none)
    maintenance_file: str = ""  # TOML of [[window]] (see docs/sla.md), re-read when it changes
    rollup_retention_h: float = 24.0  # 5-minute interface rollups kept this long (full resolution: [influx])
    maintenance_db: str = "sla.db"  # windows declared with `vigie sla maintenance add` (read if it exists)


@dataclass(frozen=True, slots=True)
class PollSection:
    interval_s: float = 60.0
    concurrency: int = 1000  # polls in flight at once
    port: int = 0  # UDP port for every device (0: the SNMP profile's)


@dataclass(frozen=True, slots=True)
class EngineSection:
    failures_to_down: int = 3
    successes_to_up: int = 1
    stale_after_intervals: float = 2.5
    min_cycle_completion: float = 0.95


@dataclass(frozen=True, slots=True)
class InfluxSection:
    enabled: bool = False
    url: str = "http://127.0.0.1:8428"
    org: str = "rie"
    bucket: str = "vigie"
    token: str = ""  # a secret reference: env:NAME or file:PATH (empty: no token)
    batch_lines: int = 5000
    flush_interval_s: float = 1.0
    memory_lines: int = 200_000
    spool_dir: str = "vigie-spool"
    spool_max_mb: float = 1024.0
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class TelemetrySection:
    enabled: bool = False
    broker: str = "mqtt://127.0.0.1:1883"  # mqtt:// or mqtts:// (TLS)
    topic_prefix: str = "rie/telemetry"  # messages on <prefix>/<site or infra>/<device>
    username: str = ""
    password: str = ""  # a secret reference: env:NAME or file:PATH
    ca_file: str = ""  # TLS: CA bundle to verify the broker (default: the system's)
    expected_period_s: float = 7.0  # devices publish every ...; a missed period counts as a failed poll
    devices: str = "*"  # glob: devices observed by telemetry (and no longer polled by SNMP)
    max_message_bytes: int = 65536


@dataclass(frozen=True, slots=True)
class CliSection:
    enabled: bool = False
    backup_every_s: float = 86400.0  # configuration backups of every device, spread over this period
    lldp_every_s: float = 3600.0  # LLDP neighbours cross-checked with the inventory
    workers: int = 32  # netmiko sessions at once (threads)
    username: str = ""
    password: str = ""  # a secret reference: env:NAME or file:PATH
    port: int = 22
    backup_dir: str = "backups"
    devices: str = "*"  # glob over device names
    timeout_s: float = 20.0


@dataclass(frozen=True, slots=True)
class Settings:
    monitor: MonitorSection = field(default_factory=MonitorSection)
    poll: PollSection = field(default_factory=PollSection)
    engine: EngineSection = field(default_factory=EngineSection)
    influx: InfluxSection = field(default_factory=InfluxSection)
    telemetry: TelemetrySection = field(default_factory=TelemetrySection)
    cli: CliSection = field(default_factory=CliSection)
    origins: Mapping[str, str] = field(default_factory=dict)  # "poll.interval_s" → where it came from

    def describe(self) -> list[tuple[str, Any, str]]:
        """(key, value, origin) of every setting, for ``--show-settings``."""
        out = []
        for sec in _SECTIONS:
            section = getattr(self, sec)
            for f in fields(section):
                key = f"{sec}.{f.name}"
                out.append((key, getattr(section, f.name), self.origins.get(key, "default")))
        return out


_SECTIONS = ("monitor", "poll", "engine", "influx", "telemetry", "cli")
_POSITIVE = {"monitor.rollup_retention_h", "poll.interval_s", "poll.concurrency", "monitor.status_every_s",
             "engine.failures_to_down",
             "engine.successes_to_up", "influx.batch_lines", "influx.flush_interval_s", "influx.memory_lines",
             "influx.spool_max_mb", "influx.timeout_s", "telemetry.expected_period_s",
             "telemetry.max_message_bytes", "cli.backup_every_s", "cli.lldp_every_s", "cli.workers", "cli.timeout_s"}


def _types(section: str) -> dict[str, type]:
    cls = type(getattr(Settings(), section))
    hints = get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls)}


def _coerce(value: Any, kind: type, where: str, problems: list[str]) -> Any:
    """``value`` (from TOML or a string from the environment or a flag) as ``kind``."""
    text = isinstance(value, str)
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            if text and value.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if text and value.strip().lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind is int:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if kind is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind is str:
            if not text:
                raise ValueError
            return value
    except (TypeError, ValueError):
        pass
    problems.append(f"{where} = {value!r}: expected {'true or false' if kind is bool else kind.__name__}")
    return None


def load_settings(config: Path | None = None, environ: Mapping[str, str] | None = None,
                  flags: Mapping[str, Any] | None = None) -> Settings:
    """Settings from a TOML file, the environment and flags (``{"poll.interval_s": 30, ...}``,
    None values ignored), validated; raises :class:`SettingsError` listing every problem."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    values: dict[str, dict[str, Any]] = {sec: {} for sec in _SECTIONS}
    origins: dict[str, str] = {}

    def put(sec: str, key: str, raw: Any, where: str, origin: str) -> None:
        kinds = _types(sec)
        if key not in kinds:
            problems.append(f"{where}: unknown setting '{sec}.{key}'; known in [{sec}]: {', '.join(sorted(kinds))}")
            return
        value = _coerce(raw, kinds[key], where, problems)
        if value is not None:
            values[sec][key] = value
            origins[f"{sec}.{key}"] = origin

    if config is not None:
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError([f"--config {config}: no such file; give the path of a TOML settings file"]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError([f"--config {config}: cannot read it ({exc})"]) from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError([f"{config}: not valid TOML ({exc}); fix the syntax at that line"]) from None
        for sec, table in data.items():
            if sec not in _SECTIONS or not isinstance(table, dict):
                problems.append(f"{config}: unknown section [{sec}]; sections are {', '.join(_SECTIONS)}")
                continue
            for key, raw in table.items():
                put(sec, key, raw, f"{config}: [{sec}] {key}", f"file {config}")
    for name, raw in sorted(environ.items()):
        if not name.startswith("VIGIE_"):
            continue
        sec, _, key = name[6:].lower().partition("_")
        if sec in _SECTIONS and key:
            put(sec, key, raw, f"environment {name}", f"environment {name}")
    for dotted, raw in (flags or {}).items():
        if raw is None:
            continue
        sec, _, key = dotted.partition(".")
        if sec not in _SECTIONS:
            problems.append(f"--set {dotted}: unknown section '{sec}'; sections are {', '.join(_SECTIONS)}")
            continue
        put(sec, key, raw, f"flag {dotted}", "command line")
    settings = Settings(**{sec: replace(getattr(Settings(), sec), **values[sec]) for sec in _SECTIONS},
                        origins=types.MappingProxyType(origins))
    problems += _validate(settings)
    if problems:
        raise SettingsError(problems)
    return settings


def _validate(s: Settings) -> list[str]:
    problems = []

    def where(key: str) -> str:
        return f"{key} (from {s.origins.get(key, 'default')})"

    for key, value, _ in s.describe():
        if key in _POSITIVE and not value > 0:
            problems.append(f"{where(key)} = {value!r}: must be > 0")
    if not s.monitor.inventory:
        problems.append("monitor.inventory is not set: give --inventory FILE (or [monitor] inventory in the TOML file)")
    if not 0 <= s.poll.port <= 65535:
        problems.append(f"{where('poll.port')} = {s.poll.port}: must be a UDP port (1-65535), or 0 for the profile's")
    if not s.engine.stale_after_intervals >= 1:
        problems.append(f"{where('engine.stale_after_intervals')} = {s.engine.stale_after_intervals}: must be >= 1")
    if not 0 <= s.engine.min_cycle_completion <= 1:
        problems.append(f"{where('engine.min_cycle_completion')} = {s.engine.min_cycle_completion}: "
                        "must be within 0..1")
    if s.influx.enabled:
        if not s.influx.url.startswith(("http://", "https://")):
            problems.append(f"{where('influx.url')} = {s.influx.url!r}: must start with http:// or https://")
        if s.influx.token and not s.influx.token.startswith(("env:", "file:")):
            problems.append(f"{where('influx.token')}: a token is never written in settings; give a reference, "
                            "env:NAME or file:PATH (a file readable only by its owner)")
    if s.telemetry.enabled and not s.telemetry.broker.startswith(("mqtt://", "mqtts://")):
        problems.append(f"{where('telemetry.broker')} = {s.telemetry.broker!r}: must start with mqtt:// or mqtts://")
    for key, value in (("telemetry.password", s.telemetry.password), ("cli.password", s.cli.password)):
        if value and not value.startswith(("env:", "file:")):
            problems.append(f"{where(key)}: a password is never written in settings; give a reference, "
                            "env:NAME or file:PATH (a file readable only by its owner)")
    return problems


__all__ = [
    "CliSection",
    "EngineSection",
    "InfluxSection",
    "MonitorSection",
    "PollSection",
    "Settings",
    "SettingsError",
    "TelemetrySection",
    "load_settings",
]
