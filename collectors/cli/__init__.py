"""CLI collection over SSH (netmiko in bounded threads, never on the event loop).

* :mod:`~collectors.cli.platforms`: vendor behaviour as data (commands, errors, volatile lines);
* :mod:`~collectors.cli.session`: :class:`CliRunner`, sessions and per-device results;
* :mod:`~collectors.cli.parse`: show commands into data (ntc-templates, with fallbacks);
* :mod:`~collectors.cli.backup`: versions, diffs and retention of configurations;
* :mod:`~collectors.cli.lldp`: LLDP neighbours cross-checked with the inventory;
* :mod:`~collectors.cli.collect`: the jobs run in a session;
* :mod:`~collectors.cli.scheduler`: the schedule of ``vigie run``;
* :mod:`~collectors.cli.command`: ``vigie backup``;
* :mod:`~collectors.cli.errors`: :class:`CliError` and the one conversion of netmiko's errors.

See ``docs/cli.md``.
"""

from collectors.cli.backup import BackupOutcome, BackupStore
from collectors.cli.errors import CliAuthError, CliCommandError, CliConnectError, CliError, CliParseError, CliTimeout
from collectors.cli.lldp import LldpReport, cross_check
from collectors.cli.scheduler import CliScheduler, CliStats
from collectors.cli.session import CliRunner, Credentials, DeviceResult, Target, select_targets

__all__ = [
    "BackupOutcome",
    "BackupStore",
    "CliAuthError",
    "CliCommandError",
    "CliConnectError",
    "CliError",
    "CliParseError",
    "CliRunner",
    "CliScheduler",
    "CliStats",
    "CliTimeout",
    "Credentials",
    "DeviceResult",
    "LldpReport",
    "Target",
    "cross_check",
    "select_targets",
]
