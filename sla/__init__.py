"""SLA engine: state timelines, availability, GTR, penalties, error budgets, reports.

Pure cores (they take data and a clock, never read the wall clock)::

    reader        state changes from the monitor's store (read-only), a JSONL file, events
    rules         contract rules as data (default_rules.toml): targets, GTR, states, penalties
    calendar      DST-safe periods, French public holidays, business-hour clocks
    maintenance   declared maintenance windows (sla.db, with audit trail; TOML files)
    timeline      per-site state segments (numpy), maintenance overlay
    availability  per site and per group (class, lot, region, POP), per day
    incidents     outages with real start and end, GTR verdicts and delay penalties
    compute       one computation: read, timelines, totals, incidents, penalties
    budget        error budgets for the current period (the dashboard's call)
    report*       the report as data, rendered as md, html (inline SVG), csv, json
    cli           ``vigie sla ...`` (wired by vigie/cli.py)

See docs/sla.md.
"""

from sla.budget import BudgetReport, ClassBudget, SiteBudget, error_budget, error_budget_from_store

__all__ = ["BudgetReport", "ClassBudget", "SiteBudget", "error_budget", "error_budget_from_store"]
