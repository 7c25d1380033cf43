"""Errors of the SLA engine (all :class:`vigie.errors.VigieError`)::

    SlaError
    ├── PeriodInvalid       a period that cannot be parsed (``--period``)
    ├── RulesInvalid        a contract rules file that cannot be used: carries every problem
    ├── SourceError         state changes that cannot be read (store file, JSONL file)
    ├── MaintenanceError    a maintenance window, file or database that cannot be used
    └── ReportError         a report that cannot be written (format, directory)

Messages name the bad value and the fix.
"""

from __future__ import annotations

from vigie.errors import VigieError


class SlaError(VigieError):
    """Root of the SLA engine's errors."""


class PeriodInvalid(SlaError, ValueError):
    """A period that cannot be parsed; the message says which forms are accepted."""


class RulesInvalid(SlaError, ValueError):
    """A rules file that cannot be used; ``problems`` lists every one."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"rules {source}: {len(problems)} problem(s)\n{shown}")


class SourceError(SlaError):
    """State changes that cannot be read."""


class MaintenanceError(SlaError, ValueError):
    """A maintenance window, file or database that cannot be used."""


class ReportError(SlaError):
    """A report that cannot be written."""
