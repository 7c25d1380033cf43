"""``vigie run``: the monitor as a long-running process (poller + state engine + storage + bus).

See :mod:`vigie.monitor.runtime` for what runs and how it stops, :mod:`vigie.monitor.status`
for what it says about itself.
"""

from vigie.monitor.runtime import Monitor, MonitorSummary
from vigie.monitor.status import MonitorStatus, format_status

__all__ = ["Monitor", "MonitorStatus", "MonitorSummary", "format_status"]
