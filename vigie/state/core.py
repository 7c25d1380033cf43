"""The engine's state and its evidence: per device, link and site records built from the inventory,
and how polls update them (hysteresis, staleness, interfaces, monitoring problems).

:class:`EngineCore` is the base of :class:`vigie.state.engine.StateEngine`; its methods only
record evidence and mark what must be evaluated again (``_infra_dirty``, ``_dirty_sites``,
``_dirty_links``).
"""

from __future__ import annotations

from collections.abc import Sequence

from vigie.model import Inventory, Role
from vigie.observations import DevicePoll, InterfaceSample
from vigie.state.alarms import AlarmBook
from vigie.state.devices import ANSWERED, FAILED, ITF_DOWN, MONITORING, DeviceRec, LinkRec, interface_state
from vigie.state.events import AlarmKind, DeviceState, Event, Severity, SiteState, StateChange
from vigie.state.inputs import EngineSettings, PollerHealth, UnknownElement
from vigie.state.maintenance import NOTHING, Active, MaintenanceSchedule
from vigie.state.sites import SiteRec
from vigie.state.topology import EV_FAILED, EV_SUSPECT, Topology


class EngineCore:
    """Records of every device, link and site, and the evidence polls bring."""

    def __init__(self, inventory: Inventory, settings: EngineSettings | None = None) -> None:
        self.inventory = inventory
        self.settings = settings or EngineSettings()
        self.topology = topo = Topology(inventory)
        self._recs: dict[str, DeviceRec] = {}
        for dev in inventory.devices.values():
            links = [lk for lk in inventory.links_of(dev.name) if lk.a.device != lk.b.device]
            self._recs[dev.name] = DeviceRec(dev, links)
        self._all = [self._recs[n] for n in sorted(self._recs)]
        self._infra = [r for r in self._all if r.infra]
        self._ev = {name: rec.ev for name, rec in self._recs.items()}
        self._links: dict[str, LinkRec] = {}
        for link in inventory.links.values():
            a, b = inventory.devices.get(link.a.device), inventory.devices.get(link.b.device)
            if a is not None and b is not None and a.name != b.name:
                self._links[link.id] = LinkRec(link, a, b)
        self._sites: dict[str, SiteRec] = {}
        for code, site in sorted(inventory.sites.items()):
            members = sorted((d for d in site.devices if d in self._recs),
                             key=lambda d: (self._recs[d].role is not Role.CE, d))
            link_ids = sorted({lk for d in members for lk in self._recs[d].links
                               if lk in self._links and self._links[lk].site == code})
            cls = inventory.access_classes.get(site.access_class)
            self._sites[code] = SiteRec(code, members, [self._links[lk] for lk in link_ids],
                                        cls.expected_redundancy if cls else 1)
        for rec in self._all:
            rec.links = tuple(lk for lk in rec.links if lk in self._links)
        # a site with a single access: its router answering proves the router at the other end forwards
        self._witness: dict[str, tuple[str, int]] = {}  # site device → (infrastructure device, ifIndex)
        for srec in self._sites.values():
            if len(srec.access) == 1:
                lk = srec.access[0]
                near, idx = (lk.b, lk.b_idx) if lk.infra_end == lk.a else (lk.a, lk.a_idx)
                self._witness[near] = (lk.infra_end, idx)
        self._doubted: set[str] = set()  # failed routers behind which something answered since
        self._failed_links: set[str] = set()
        # nothing measured yet: everything unknown, nothing failed
        self._reach, self._cut, self._ties = topo.solve_infra(self._ev, self._failed_links, self._doubted)
        self._infra_dirty = False
        self._dirty_sites: set[str] = set()
        self._dirty_links: set[str] = set()
        self._alarm_dirty: set[str] = set()  # infrastructure devices and links whose alarm must be looked at
        self._impact_sites: dict[str, set[str]] = {}  # root → sites shown unreachable behind it
        self._impact_devices: dict[str, set[str]] = {}  # root → infrastructure devices shown unreachable
        self._counts = dict.fromkeys(SiteState, 0)
        self._counts[SiteState.UNKNOWN] = len(self._sites)
        self._alarms = AlarmBook()
        self._schedule = MaintenanceSchedule([], inventory)
        self._maint: Active = NOTHING
        self._maint_span = (float("-inf"), float("-inf"))
        self._health = PollerHealth()
        self._started: float | None = None
        self._stale = 0
        self._modelled = {name: topo.modelled(name) for name in self._recs}

    def _ingest(self, poll: DevicePoll, now: float, events: list[Event]) -> None:
        rec = self._recs.get(poll.device)
        if rec is None:
            raise UnknownElement(f"device {poll.device!r} not in inventory; poll only the inventory's devices")
        err = poll.error
        if err is None or err in ANSWERED:
            rec.fails = 0
            rec.succ += 1
            if rec.confirmed and rec.succ >= self.settings.successes_to_up:
                rec.confirmed = False
            answered: bool | None = True
        elif err in FAILED:
            rec.succ = 0
            rec.fails += 1
            if rec.fails >= self.settings.failures_to_down:
                rec.confirmed = True
            answered = False
        else:  # CONFIG, SKIPPED: not measured, no evidence either way
            answered = None
        if answered is not None:
            if rec.name in self._doubted:  # measured again: no more doubt
                self._doubted.discard(rec.name)
                self._dirty(rec)
            if answered and rec.state is DeviceState.UNREACHABLE and rec.root in self._ev \
                    and self._ev[rec.root] == EV_FAILED:
                # it answers while we believed it cut off behind that router: is that router back?
                self._doubted.add(rec.root)
                self._dirty(self._recs[rec.root])
            rec.has_result = True
            rec.freed = False
            rec.last_at = now
            rec.error, rec.error_detail = err, poll.detail
            if rec.stale:
                rec.stale = False
                self._stale -= 1
            self._set_ev(rec)
            if answered and poll.interfaces:
                self._interfaces(rec, poll.interfaces, now, events)
            if answered and rec.name in self._witness:
                self._vouch(rec)
        if err in MONITORING:
            if rec.problem is not err:
                rec.problem = err
                events += self._alarms.set(AlarmKind.MONITORING, rec.name, now, Severity.WARNING, err.value,
                                           f"{rec.name} answers but cannot be read: {err.value}"
                                           + (f" ({poll.detail})" if poll.detail else ""))
        elif err is None and rec.problem is not None:
            rec.problem = None
            events += self._alarms.clear(AlarmKind.MONITORING, rec.name, now)

    def _vouch(self, rec: DeviceRec) -> None:
        """A site router with a single access answered: the router at the other end of that access
        forwards, so it is reachable. If we believed it cut off (its failed polls those of its path,
        which has come back but not been polled again yet), it is up. Not if we saw it fail on its
        own (down, its upstream fine): a router whose agent died still forwards."""
        far, idx = self._witness[rec.name]
        up = self._recs[far]
        if up.state is DeviceState.UNREACHABLE and up.ev in (EV_SUSPECT, EV_FAILED) \
                and rec.itf.get(idx) not in ITF_DOWN:
            up.fails, up.confirmed, up.freed = 0, False, False
            up.error, up.error_detail = None, f"vouched for by {rec.name}, which answers through it"
            self._set_ev(up)

    def _set_ev(self, rec: DeviceRec) -> None:
        ev = rec.evidence()
        if ev == rec.ev:
            return
        rec.ev = self._ev[rec.name] = ev
        self._dirty_links.update(rec.links)  # whose reports count only from devices that answer
        self._dirty(rec)

    def _dirty(self, rec: DeviceRec) -> None:
        """Evaluate the device's part of the topology again."""
        if rec.infra:
            self._infra_dirty = True
        else:
            assert rec.site is not None
            self._dirty_sites.add(rec.site)

    def _make_stale(self, rec: DeviceRec) -> None:
        if not rec.stale:
            rec.stale = True
            self._stale += 1
            self._set_ev(rec)

    def _interfaces(self, rec: DeviceRec, samples: Sequence[InterfaceSample], now: float,
                    events: list[Event]) -> None:
        itf = rec.itf
        rec.itf_at = now
        for sample in samples:
            state = interface_state(sample)
            idx = sample.if_index
            old = itf.get(idx)
            if old != state:
                itf[idx] = state
                if old is not None:
                    name = rec.names.get(idx) or sample.name or str(idx)
                    events.append(StateChange(now, "interface", f"{rec.name}:{name}", old, state))
                link = rec.linked.get(idx)
                if link is not None:
                    self._dirty_links.add(link)
