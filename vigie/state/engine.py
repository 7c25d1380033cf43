"""The state engine: polls and the poller's health in, state changes and alarms out.

Pure and clock-free: every call takes ``now`` (seconds, the caller's wall clock) and returns
the events it caused, once per transition. Inputs:

- :meth:`StateEngine.observe` (or :meth:`~StateEngine.observe_many`): one device poll — device
  evidence with hysteresis (:mod:`vigie.state.devices`), interface states, and from them link
  states;
- :meth:`StateEngine.tick`: time passing and the poller's health — results too old, devices
  the poller reports late, or a dead collector make devices *not measured* (UNKNOWN), never DOWN;
- :meth:`StateEngine.set_maintenance`: declared windows, applied by ``now`` at the next call.

After each input, what changed is evaluated incrementally: the infrastructure's reachability
(:mod:`vigie.state.topology`) when an infrastructure device or link changed, then only the sites
whose devices, links or upstream changed (:mod:`vigie.state.sites`). Alarms
(:mod:`vigie.state.alarms`): an infrastructure router down (critical) carries what is
unreachable behind it ("collect router LYO-C02 down: 84 sites unreachable": one alarm per root
cause, none per site), an infrastructure link down between two routers that answer (major), a
site down (major), a site degraded (minor), a device that answers but cannot be read (warning),
devices not measured (warning; major when the collector is down).

Polls are spread over the interval, so evidence arrives in any order; what is measured wins
over what is inferred, and nothing is declared on evidence that a later poll will settle:

- a router that answers is reached, whatever we believe of its path;
- a device declared failed while the routers feeding it are only *suspect* (a poll or two lost:
  the failure may be further upstream) keeps its state until they are settled, and so does a
  site whose verdict rests on a router up by hysteresis only: a POP loss turns its sites
  UNREACHABLE at once, never DOWN first;
- a device unreachable until now whose path came back has its failed polls forgotten (they were
  the path's): not measured until polled again, never declared DOWN on them;
- a device that answers while we believed it cut off behind a failed router casts doubt on that
  router (not measured until polled again), and a site router with a single access that answers
  vouches for its collect router: a POP coming back brings its sites back through UNKNOWN,
  never DOWN or DEGRADED.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from vigie.observations import DevicePoll
from vigie.state.devices import (
    DeviceRec,
    LinkRec,
    device_verdict,
    link_failed,
    link_verdict,
)
from vigie.state.display import POLLER, Display
from vigie.state.events import (
    Alarm,
    AlarmAcked,
    DeviceState,
    ElementStatus,
    Event,
    LinkState,
    SiteState,
)
from vigie.state.inputs import MaintenanceWindow, PollerHealth, UnknownElement
from vigie.state.maintenance import MaintenanceSchedule
from vigie.state.resume import Prior, resume
from vigie.state.sites import SiteRec, site_verdict
from vigie.state.topology import EV_FAILED, EV_SUSPECT, Cut


class StateEngine(Display):
    """See the module's documentation. ``StateEngine(inventory, settings)``; all inputs take ``now``."""

    # ----------------------------------------------------------------- inputs

    def observe(self, poll: DevicePoll, now: float) -> list[Event]:
        """One device poll: the events it causes."""
        return self.observe_many((poll,), now)

    def observe_many(self, polls: Iterable[DevicePoll], now: float) -> list[Event]:
        """Several polls, evaluated once at the end (a device polled twice keeps its last verdict)."""
        events: list[Event] = []
        self._at(now, events)
        for poll in polls:
            self._ingest(poll, now, events)
        self._evaluate(now, events)
        return events

    def tick(self, now: float, health: PollerHealth | None = None) -> list[Event]:
        """Time passes: stale results, the poller's health, maintenance windows opening or closing."""
        events: list[Event] = []
        self._at(now, events)
        if health is not None:
            self._health = health
            if not health.collector_alive:
                for rec in self._all:
                    self._make_stale(rec)
            elif health.late_devices:
                for name in health.late_devices:
                    late = self._recs.get(name)
                    if late is not None:
                        self._make_stale(late)
        limit = now - self.settings.stale_after_s
        for rec in self._all:
            if rec.last_at < limit and not rec.stale:
                self._make_stale(rec)
        self._evaluate(now, events)
        self._poller_alarm(now, events)
        return events

    def resume(self, prior: Prior, now: float) -> list[Event]:
        """Take back the stored past after a restart (first call only): see :mod:`vigie.state.resume`."""
        return resume(self, prior, now)

    def set_maintenance(self, windows: Sequence[MaintenanceWindow]) -> None:
        """Replace the maintenance windows; applied by ``now`` at the next observe or tick.
        Raises :class:`~vigie.state.inputs.SettingsInvalid` naming every unusable window."""
        self._schedule = MaintenanceSchedule(windows, self.inventory)
        self._maint_span = (float("-inf"), float("-inf"))

    def ack(self, alarm_id: int, who: str, now: float) -> AlarmAcked:
        return self._alarms.ack(alarm_id, who, now)

    # ---------------------------------------------------------------- queries

    def active_alarms(self) -> list[Alarm]:
        return self._alarms.active()

    def device_state(self, name: str) -> DeviceState:
        return self._device(name).shown

    def site_state(self, code: str) -> SiteState:
        return self._site(code).shown

    def link_state(self, link_id: str) -> LinkState:
        return self._link(link_id).shown

    def device_status(self, name: str) -> ElementStatus:
        rec = self._device(name)
        return ElementStatus(rec.shown, rec.shown_cause, rec.since, rec.detail, rec.shown_root)

    def site_status(self, code: str) -> ElementStatus:
        s = self._site(code)
        return ElementStatus(s.shown, s.shown_cause, s.since, s.shown_detail, s.shown_root)

    def link_status(self, link_id: str) -> ElementStatus:
        lk = self._link(link_id)
        return ElementStatus(lk.shown, lk.shown_cause, lk.since)

    def underlying_site_state(self, code: str) -> SiteState:
        """What the site is, maintenance aside."""
        return self._site(code).state

    def counts(self) -> dict[SiteState, int]:
        return dict(self._counts)

    def snapshot(self) -> dict[str, Any]:
        """Every current state and active alarm, as plain JSON-ready data."""
        def status(state: str, cause: str | None, since: float | None, root: str | None = None) -> dict[str, Any]:
            out: dict[str, Any] = {"state": str(state), "cause": cause, "since": since}
            if root is not None:
                out["root"] = root
            return out

        return {
            "devices": {r.name: status(r.shown, r.shown_cause, r.since, r.shown_root) for r in self._all},
            "sites": {s.code: status(s.shown, s.shown_cause, s.since, s.shown_root) for s in self._sites.values()},
            "links": {lk.id: status(lk.shown, lk.shown_cause, lk.since) for lk in self._links.values()},
            "counts": {str(k): v for k, v in self._counts.items()},
            "not_measured": self._stale,
            "alarms": [{k: (str(v) if k in ("kind", "severity") else v) for k, v in asdict(a).items()}
                       for a in self._alarms.active()],
        }

    def _device(self, name: str) -> DeviceRec:
        rec = self._recs.get(name)
        if rec is None:
            raise UnknownElement(f"device {name!r} not in inventory")
        return rec

    def _site(self, code: str) -> SiteRec:
        site = self._sites.get(code)
        if site is None:
            raise UnknownElement(f"site {code!r} not in inventory")
        return site

    def _link(self, link_id: str) -> LinkRec:
        lk = self._links.get(link_id)
        if lk is None:
            raise UnknownElement(f"link {link_id!r} not in inventory")
        return lk

    # -------------------------------------------------------------- evidence

    def _at(self, now: float, events: list[Event]) -> None:
        if self._started is None:
            self._started = now
            for rec in self._all:
                rec.last_at = now  # never polled: not measured once stale_after has passed
        lo, hi = self._maint_span
        if not lo <= now < hi:
            self._maint_span = self._schedule.span(now)
            active = self._schedule.at(now)
            if active != self._maint:
                self._maint = active
                self._redisplay(now, events)

    # ------------------------------------------------------------ evaluation

    def _evaluate(self, now: float, events: list[Event]) -> None:
        topo = self.topology
        while self._dirty_links or self._infra_dirty or self._dirty_sites:
            # a pass may free devices whose path came back (their evidence is reset): then another pass
            links = self._flush_links()
            if self._infra_dirty:
                links += self._solve_infra(now, events)
            for lk in links:
                self._update_link(lk, now, events)
            todo, self._dirty_sites = sorted(self._dirty_sites), set()
            for code in todo:
                site = self._sites[code]
                while True:
                    cut = topo.solve_site(code, self._ev, self._failed_links, self._reach, self._cut,
                                          self._doubted)
                    if not any([self._release(self._recs[m], cut.get(m)) for m in site.members]):
                        break
                for name in site.members:
                    self._judge(self._recs[name], cut.get(name), now, events)
                for lk in site.links:
                    self._update_link(lk, now, events)
                self._update_site(site, now, events)
        if self._alarm_dirty:
            for element in sorted(self._alarm_dirty):
                self._infra_alarm(element, now, events)
            self._alarm_dirty.clear()

    def _flush_links(self) -> list[LinkRec]:
        """Links whose reports or ends changed: whether they block paths; the ones to show again
        outside the site pass."""
        out: list[LinkRec] = []
        for link_id in sorted(self._dirty_links):
            lk = self._links[link_id]
            failed = link_failed(lk, self._recs[lk.a], self._recs[lk.b])
            if failed != lk.failed:
                lk.failed = failed
                if failed:
                    self._failed_links.add(link_id)
                else:
                    self._failed_links.discard(link_id)
                if lk.infra:
                    self._infra_dirty = True
                    self._alarm_dirty.add(link_id)
            if lk.site is not None:
                self._dirty_sites.add(lk.site)
            else:
                out.append(lk)
        self._dirty_links.clear()
        return out

    def _solve_infra(self, now: float, events: list[Event]) -> list[LinkRec]:
        """Solve the infrastructure; judge its devices; the links to look at again."""
        while True:
            self._reach, self._cut, self._ties = self.topology.solve_infra(self._ev, self._failed_links,
                                                                           self._doubted)
            if not any([self._release(rec, self._cut.get(rec.name)) for rec in self._infra]):
                break
        self._infra_dirty = False
        links: list[LinkRec] = []
        sites_on = self.topology.sites_on
        for rec in self._infra:
            cut = self._cut.get(rec.name)
            if (rec.ev, cut) != rec.sig:
                self._dirty_sites.update(sites_on.get(rec.name, ()))
                before = rec.state
                self._judge(rec, cut, now, events)
                if rec.state is not before:
                    changed = [self._links[lk] for lk in rec.links if self._links[lk].infra]
                    links += changed
                    self._alarm_dirty.update(lk.id for lk in changed)
        return links

    def _release(self, rec: DeviceRec, cut: Cut | None) -> bool:
        """A device unreachable until now whose path came back: its failed polls were the path's,
        not its own; forget them (not measured until its next poll) rather than declare it down."""
        if rec.state is not DeviceState.UNREACHABLE or rec.ev not in (EV_SUSPECT, EV_FAILED):
            return False
        verdict = device_verdict(rec, cut if self._modelled[rec.name] else None)
        if verdict is None or verdict[0] is DeviceState.UNREACHABLE:
            return False
        rec.fails, rec.confirmed, rec.freed, rec.sig = 0, False, True, None
        self._set_ev(rec)
        return True

    def _judge(self, rec: DeviceRec, cut: Cut | None, now: float, events: list[Event]) -> None:
        sig = (rec.ev, cut)
        if sig == rec.sig:
            return
        if self._release(rec, cut):
            sig = (rec.ev, cut)
        rec.sig = sig
        verdict = device_verdict(rec, cut if self._modelled[rec.name] else None)
        if verdict is None:  # hold: its upstream is suspect
            return
        state, cause, root, rec.detail = verdict
        if (state, cause, root) != (rec.state, rec.cause, rec.root):
            rec.state, rec.cause, rec.root = state, cause, root
            self._show_device(rec, now, events)

    def _update_link(self, lk: LinkRec, now: float, events: list[Event]) -> None:
        state, cause = link_verdict(lk, self._recs[lk.a], self._recs[lk.b])
        if (state, cause) != (lk.state, lk.cause):
            lk.state, lk.cause = state, cause
            self._show_link(lk, now, events)

    def _update_site(self, site: SiteRec, now: float, events: list[Event]) -> None:
        recs = self._recs
        verdict = site_verdict(site, [recs[m] for m in site.members], self._state_of, self.topology.cost,
                               self.topology.is_infra)
        if verdict is None:  # inconsistent evidence for now (a site router not yet declared failed)
            return
        site.state, site.cause, site.detail, site.root = verdict
        self._show_site(site, now, events)  # also when only what explains it changed (maintenance)

    def _state_of(self, name: str) -> DeviceState:
        return self._recs[name].state


__all__ = ["POLLER", "StateEngine"]
