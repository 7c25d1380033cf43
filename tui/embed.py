"""The dashboard and the monitor in one process and one event loop (``vigie demo`` on a terminal).

The monitor runs as a worker of the app (:class:`tui.app.VigieApp`), the dashboard reads it through a
:class:`~tui.live.LiveSource`. Quitting the dashboard (q, Ctrl+C, or SIGTERM/SIGHUP) sets the
monitor's stop event and waits until it has flushed everything (events, polls, rollups, metrics);
when the monitor stops on its own (``--duration``), the dashboard closes. The monitor's log goes to
a file (the terminal belongs to the dashboard).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from pathlib import Path

from tui.app import VigieApp
from tui.live import LiveSource
from vigie.inventory import load_inventory
from vigie.monitor.command import make_metrics
from vigie.monitor.runtime import Monitor, MonitorSummary
from vigie.settings import Settings
from vigie.store import SqliteStore


class MonitoredApp(VigieApp):
    """The dashboard over a monitor it runs: SIGTERM and SIGHUP stop both cleanly."""

    def on_mount(self) -> None:  # Textual also runs VigieApp.on_mount (handlers are called along the MRO)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(sig, self._on_signal)
            except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread / platform
                pass

    def _on_signal(self) -> None:
        self.call_later(self.action_quit)

    async def _run_monitor(self) -> None:
        await super()._run_monitor()
        if self.monitor_error is None and not self._stopping:
            self.exit()  # stopped on its own (--duration)


def log_to_file(path: Path) -> logging.Handler:
    """Send the monitor's log to ``path`` instead of the terminal."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def run_dashboard_with_monitor(settings: Settings, duration: float | None, log_path: Path,
                               who: str | None = None, theme: str | None = None) -> MonitorSummary | None:
    """Run the monitor under the dashboard until the operator quits (or ``duration`` passes); the
    monitor's summary (None if it never ran to its end)."""
    handler = log_to_file(log_path)
    inv = load_inventory(Path(settings.monitor.inventory))
    store = SqliteStore(settings.monitor.store)
    try:
        monitor = Monitor(settings, inv, store, metrics=make_metrics(settings))
        source = LiveSource.from_monitor(monitor)
        gc.freeze()  # inventory, engine records: long-lived; a full collection over them takes ~0.1 s at 14,000 sites

        async def runner(stop: asyncio.Event) -> MonitorSummary:
            if duration is not None:
                asyncio.get_running_loop().call_later(duration, stop.set)
            return await monitor.run(stop)

        app = MonitoredApp(source, monitor=runner, who=who, theme=theme or os.environ.get("VIGIE_THEME", "vigie-dark"))
        try:
            app.run()
        finally:
            source.close()
        if app.monitor_error is not None:
            logging.getLogger("vigie.monitor").error("the monitor stopped: %s", app.monitor_error)
        result = app.monitor_result
        return result if isinstance(result, MonitorSummary) else None
    finally:
        store.close()
        logging.getLogger().removeHandler(handler)
        handler.close()


__all__ = ["MonitoredApp", "log_to_file", "run_dashboard_with_monitor"]
