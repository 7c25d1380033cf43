"""The one exception root of Vigie.

Every error Vigie raises on purpose derives from :class:`VigieError`; third-party
errors are converted where they enter (``raise ... from exc``)::

    VigieError
    ├── ConfigError                 bad settings, flags or environment
    │   └── SecretError             a secret reference that cannot be resolved
    ├── InventoryError              an inventory file that cannot be used
    │   └── InventoryInvalid        validation failed: carries every problem found
    ├── ScenarioError               a fault-scenario file that cannot be used
    ├── SimulatorError              the device farm could not start or serve
    └── SnmpError                   (vigie.snmp.errors) codec, USM and transport errors

Messages name the bad value and the fix: ``device 'S01234-R1' not in inventory``.
"""

from __future__ import annotations


class VigieError(Exception):
    """Root of every error Vigie raises on purpose."""


class ConfigError(VigieError):
    """Settings, flags or environment are wrong; the message says which and how to fix."""


class SecretError(ConfigError):
    """A secret reference (``env:NAME`` or ``file:PATH#KEY``) could not be resolved."""


class InventoryError(VigieError):
    """An inventory file could not be read or used."""


class InventoryInvalid(InventoryError):
    """Validation found problems; ``problems`` lists every one of them."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{source}: {len(problems)} problem(s)\n{shown}{more}")


class ScenarioError(VigieError):
    """A fault-scenario file is invalid; the message names the place and the fix."""


class SimulatorError(VigieError):
    """The device farm could not start or serve."""
