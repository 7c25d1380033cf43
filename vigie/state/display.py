"""How the engine shows what it knows: maintenance applied over the real states, the state
changes emitted, the impact of each root cause and the alarms that follow.

:class:`Display` sits between :class:`vigie.state.core.EngineCore` (the records) and
:class:`vigie.state.engine.StateEngine` (inputs and evaluation).
"""

from __future__ import annotations

from vigie.state.core import EngineCore
from vigie.state.devices import ROLE_LABEL, DeviceRec, LinkRec
from vigie.state.events import AlarmKind, DeviceState, Event, LinkState, Severity, SiteState, StateChange
from vigie.state.maintenance import NOTHING
from vigie.state.sites import SiteRec

POLLER = "poller"  # element of the "not measured" alarm


class Display(EngineCore):
    """Shows records (``_show_*``: maintenance applied, events emitted) and keeps alarms in step."""

    def _covered(self, element: str | None) -> tuple[str, str] | None:
        """The maintenance window covering an element, or the root it is unreachable behind."""
        if element is None:
            return None
        hit = self._maint.covers(element)
        if hit is None:
            rec = self._recs.get(element)
            if rec is not None and rec.state is DeviceState.UNREACHABLE and rec.root is not None:
                hit = self._maint.covers(rec.root)
        return hit

    def _show_device(self, rec: DeviceRec, now: float, events: list[Event]) -> None:
        shown, cause, root = rec.state, rec.cause, rec.root
        hit = self._maint.devices.get(rec.name)
        if hit is None and shown is DeviceState.UNREACHABLE and root is not None:
            hit = self._maint.covers(root)
        detail = rec.detail
        if hit is not None:
            shown, cause = DeviceState.MAINTENANCE, hit[0]
            detail = f"maintenance: {hit[1]}" if hit[1] else "maintenance"
        if shown is not DeviceState.UNREACHABLE:
            root = None
        if (shown, cause, root) == (rec.shown, rec.shown_cause, rec.shown_root):
            return
        if (shown, cause) != (rec.shown, rec.shown_cause):
            events.append(StateChange(now, "device", rec.name, rec.shown, shown, cause, detail))
            rec.since = now
        if rec.infra:
            self._move_impact(self._impact_devices, rec.name, rec.shown_root, root)
            self._alarm_dirty.add(rec.name)
        rec.shown, rec.shown_cause, rec.shown_root = shown, cause, root

    def _show_link(self, lk: LinkRec, now: float, events: list[Event]) -> None:
        shown, cause = lk.state, lk.cause
        hit = self._maint.links.get(lk.id)
        if hit is None and shown is not LinkState.UP:
            hit = self._maint.devices.get(lk.a) or self._maint.devices.get(lk.b)
        if hit is not None:
            shown, cause = LinkState.MAINTENANCE, hit[0]
        if shown is not lk.shown:  # a link's cause changing alone is no event
            events.append(StateChange(now, "link", lk.id, lk.shown, shown, cause, f"{lk.a} - {lk.b}"))
            lk.since = now
            if lk.infra:
                self._alarm_dirty.add(lk.id)
        lk.shown, lk.shown_cause = shown, cause

    def _show_site(self, site: SiteRec, now: float, events: list[Event]) -> None:
        shown, cause, detail, root = site.state, site.cause, site.detail, site.root
        hit = self._site_maintenance(site)
        if hit is not None:
            shown, cause = SiteState.MAINTENANCE, hit[0]
            detail = f"maintenance: {hit[1]}" if hit[1] else "maintenance"
            root = None
        if (shown, cause, detail) == (site.shown, site.shown_cause, site.shown_detail):
            return
        old = site.shown
        if shown is not old or cause != site.shown_cause:
            events.append(StateChange(now, "site", site.code, old, shown, cause, detail))
            site.since = now
        self._counts[old] -= 1
        self._counts[shown] += 1
        self._move_impact(self._impact_sites, site.code, site.shown_root, root)
        site.shown, site.shown_cause, site.shown_detail, site.shown_root = shown, cause, detail, root
        alarms = self._alarms
        code = site.code
        if shown is SiteState.DOWN:
            events += alarms.clear(AlarmKind.DEGRADED, code, now)
            events += alarms.set(AlarmKind.SITE_DOWN, code, now, Severity.MAJOR, cause, f"site {code} down: {detail}")
        elif shown is SiteState.DEGRADED:
            events += alarms.clear(AlarmKind.SITE_DOWN, code, now)
            events += alarms.set(AlarmKind.DEGRADED, code, now, Severity.MINOR, cause,
                                 f"site {code} lost its redundancy: {detail}")
        elif old in (SiteState.DOWN, SiteState.DEGRADED):
            events += alarms.clear(AlarmKind.SITE_DOWN, code, now)
            events += alarms.clear(AlarmKind.DEGRADED, code, now)

    def _site_maintenance(self, site: SiteRec) -> tuple[str, str] | None:
        """The window the site is in: its own, one of its devices' or links', or the one covering
        every failure that explains its state."""
        maint = self._maint
        if maint is NOTHING:
            return None
        hit = maint.sites.get(site.code)
        if hit is None:
            hit = next((maint.devices[m] for m in site.members if m in maint.devices), None)
        if hit is None:
            hit = next((maint.links[lk.id] for lk in site.links if lk.id in maint.links), None)
        if hit is not None or site.state in (SiteState.UP, SiteState.UNKNOWN):
            return hit
        hits: list[tuple[str, str] | None] = []
        for m in site.members:
            if self._recs[m].state in (DeviceState.DOWN, DeviceState.UNREACHABLE):
                hits.append(self._covered(m))
        for lk in site.links:
            if lk.state is LinkState.DOWN:
                hit = maint.devices.get(lk.a) or maint.devices.get(lk.b)
                ends = [e for e in (lk.a, lk.b) if self._recs[e].state is not DeviceState.UP]
                hits += [hit] if hit is not None or not ends else [self._covered(e) for e in ends]
        if hits and all(h is not None for h in hits):
            return hits[0]
        return None

    def _redisplay(self, now: float, events: list[Event]) -> None:
        """Maintenance changed: show everything again (states underneath are unchanged)."""
        for rec in self._all:
            self._show_device(rec, now, events)
        for lk in self._links.values():
            self._show_link(lk, now, events)
        for site in self._sites.values():
            self._show_site(site, now, events)
        for element in sorted(self._alarm_dirty):
            self._infra_alarm(element, now, events)
        self._alarm_dirty.clear()

    # ----------------------------------------------------------------- alarms

    def _move_impact(self, impact: dict[str, set[str]], element: str, old: str | None, new: str | None) -> None:
        if old == new:
            return
        if old is not None:
            behind = impact.get(old)
            if behind is not None:
                behind.discard(element)
                if not behind:
                    del impact[old]
            self._alarm_dirty.add(old)
        if new is not None:
            impact.setdefault(new, set()).add(element)
            self._alarm_dirty.add(new)

    def _impact_text(self, element: str) -> tuple[str, int, int]:
        sites = len(self._impact_sites.get(element, ()))
        devices = sorted(self._impact_devices.get(element, ()))
        parts = []
        if devices:
            parts.append(f"{len(devices)} router{'s' if len(devices) > 1 else ''}")
        if sites:
            parts.append(f"{sites} site{'s' if sites > 1 else ''}")
        text = f": {' and '.join(parts)} unreachable" if parts else ""
        return text, sites, len(devices)

    def _infra_alarm(self, element: str, now: float, events: list[Event]) -> None:
        rec = self._recs.get(element)
        if rec is not None:
            if not rec.infra:
                return
            if rec.shown is not DeviceState.DOWN:
                events += self._alarms.clear(AlarmKind.DEVICE_DOWN, element, now)
                return
            impact, sites, devices = self._impact_text(element)
            also = sorted({r for d in self._impact_devices.get(element, ()) for r in self._ties.get(d, ())}
                          - {element})
            with_ = f" (with {', '.join(also)})" if also else ""
            events += self._alarms.set(AlarmKind.DEVICE_DOWN, element, now, Severity.CRITICAL, rec.shown_cause,
                                       f"{ROLE_LABEL.get(rec.role, 'device')} {element} down{with_}{impact}",
                                       sites, devices)
            return
        lk = self._links.get(element)
        if lk is None or not lk.infra:
            return
        if lk.shown is not LinkState.DOWN or not lk.failed:  # down between two routers that answer
            events += self._alarms.clear(AlarmKind.LINK_DOWN, element, now)
            return
        impact, sites, devices = self._impact_text(element)
        events += self._alarms.set(AlarmKind.LINK_DOWN, element, now, Severity.CRITICAL if sites else Severity.MAJOR,
                                   lk.shown_cause, f"link {element} ({lk.a} - {lk.b}) down{impact}", sites, devices)

    def _poller_alarm(self, now: float, events: list[Event]) -> None:
        health, n = self._health, self._stale
        unknown_sites = self._counts[SiteState.UNKNOWN]
        if not health.collector_alive:
            events += self._alarms.set(AlarmKind.NOT_MEASURED, POLLER, now, Severity.MAJOR, "collector down",
                                       f"collector down: nothing measured; {n} devices and {unknown_sites} sites "
                                       "unknown")
            return
        slow = health.cycle_completion < self.settings.min_cycle_completion
        if not n and not slow:
            events += self._alarms.clear(AlarmKind.NOT_MEASURED, POLLER, now)
            return
        parts = []
        if slow:
            parts.append(f"last cycle {health.cycle_completion:.0%} complete")
        if n:
            parts.append(f"{n} devices not measured (late or no result for {self.settings.stale_after_s:g} s), "
                         f"{unknown_sites} sites unknown")
        events += self._alarms.set(AlarmKind.NOT_MEASURED, POLLER, now, Severity.WARNING,
                                   "poller overloaded" if slow else "poller late", "poller: " + "; ".join(parts))
