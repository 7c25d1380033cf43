"""Per-device evidence (hysteresis over polls, interfaces) and the device and link verdicts.

A poll is evidence of one of three kinds:

- the device **answered** (no error, or AUTH_FAILURE, UNKNOWN_USER, UNKNOWN_ENGINE,
  NOT_IN_TIME_WINDOW, DECODE_ERROR, AGENT_ERROR, NO_DATA): it is up; the errors among these are
  a monitoring problem (warning alarm), never a failure;
- the device **failed** to answer (TIMEOUT, SEND_ERROR): one more consecutive failure; the
  device is declared failed after ``failures_to_down`` of them, and back after
  ``successes_to_up`` answers;
- **not measured** (CONFIG, SKIPPED): no evidence either way; a device left without a
  result for too long becomes not measured (stale).
"""

from __future__ import annotations

from vigie.model import Device, Link, Role
from vigie.observations import InterfaceSample, PollError
from vigie.state.events import DeviceState, LinkState
from vigie.state.topology import DOUBTED, EV_FAILED, EV_OK, EV_SUSPECT, EV_UNKNOWN, FIRM, HOLD, Cut

ANSWERED = frozenset({PollError.AUTH_FAILURE, PollError.UNKNOWN_USER, PollError.UNKNOWN_ENGINE,
                      PollError.NOT_IN_TIME_WINDOW, PollError.DECODE_ERROR, PollError.AGENT_ERROR,
                      PollError.NO_DATA})
FAILED = frozenset({PollError.TIMEOUT, PollError.SEND_ERROR})
MONITORING = ANSWERED | {PollError.CONFIG}  # problems of ours, raised as warnings

ROLE_LABEL = {Role.DATACENTRE: "datacentre router", Role.CORE: "core router", Role.COLLECT: "collect router",
              Role.CE: "site router", Role.BACKUP_4G: "4G backup router"}

# (ifAdminStatus, ifOperStatus) → interface state
_OPER = {1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "not_present", 7: "down"}
ITF_DOWN = frozenset({"down", "admin_down", "not_present"})


def interface_state(sample: InterfaceSample) -> str:
    if sample.admin_status == 2:
        return "admin_down"
    return _OPER.get(sample.oper_status or 4, "unknown")


class DeviceRec:
    """Everything the engine holds about one device (mutable, private to the engine)."""

    __slots__ = ("cause", "confirmed", "detail", "error", "error_detail", "ev", "fails", "freed", "has_result", "infra",
                 "itf", "itf_at", "last_at", "linked", "links", "name", "names", "problem", "role", "root", "shown",
                 "shown_cause", "shown_root", "sig", "since", "site", "stale", "state", "succ")

    def __init__(self, device: Device, links: list[Link]) -> None:
        self.name = device.name
        self.role = device.role
        self.site = device.site
        self.infra = device.site is None
        self.names = {itf.index: itf.name for itf in device.interfaces}
        index = {itf.name: itf.index for itf in device.interfaces}
        self.linked: dict[int, str] = {}  # ifIndex → link id
        for link in links:
            end = link.a if link.a.device == device.name else link.b
            if end.interface in index:
                self.linked[index[end.interface]] = link.id
        self.links = tuple(sorted(link.id for link in links))
        self.fails = 0  # consecutive failed polls
        self.succ = 0  # consecutive answers
        self.confirmed = False  # declared failed (hysteresis)
        self.has_result = False
        self.stale = False
        self.freed = False  # was cut off, its path is back: its failures are explained, measure it again
        self.last_at = 0.0
        self.error: PollError | None = None
        self.error_detail = ""
        self.problem: PollError | None = None  # monitoring problem being alarmed
        self.ev = EV_UNKNOWN
        self.itf: dict[int, str] = {}  # ifIndex → interface state, from the last answered poll
        self.itf_at = 0.0  # when it was reported
        self.sig: object = None  # (evidence, topology verdict) of the last evaluation
        self.state = DeviceState.UNKNOWN  # underlying state (what it is, maintenance aside)
        self.cause: str | None = "not measured"
        self.root: str | None = None
        self.detail = "not polled yet"
        self.shown = DeviceState.UNKNOWN  # displayed state (maintenance applied)
        self.shown_cause: str | None = "not measured"
        self.shown_root: str | None = None
        self.since: float | None = None

    def evidence(self) -> int:
        if self.stale or self.freed or not self.has_result:
            return EV_UNKNOWN
        if self.confirmed:
            return EV_FAILED
        return EV_SUSPECT if self.fails else EV_OK


Verdict = tuple[DeviceState, str | None, str | None, str]  # state, cause, root, detail


def device_verdict(rec: DeviceRec, cut: Cut | None) -> Verdict | None:
    """The underlying state of a device from its evidence and the topology; None: keep the previous one
    (its upstream is suspect: the failure may be further up and not confirmed yet)."""
    ev = rec.ev
    if ev == EV_OK:
        return DeviceState.UP, None, None, ""
    if cut is None:  # reached, or outside the modelled topology
        if ev == EV_FAILED:
            return DeviceState.DOWN, _error(rec), None, _down_detail(rec)
        if ev == EV_SUSPECT:
            return _pending(rec)
        return DeviceState.UNKNOWN, "not measured", None, _unmeasured(rec)
    hops, _cost, root, cause, klass = cut
    if hops == 0:  # the failure at the edge: a neighbour that is reached does not see it
        if klass == FIRM:
            return DeviceState.DOWN, _error(rec), None, _down_detail(rec)
        if klass == HOLD:
            return None
        if klass == DOUBTED:
            return DeviceState.UNKNOWN, "not measured", None, "no answer when last polled, but devices behind it answer"
        return DeviceState.UNKNOWN, "not measured", None, "no answer, and its upstream neighbours are not measured"
    if klass == FIRM:
        via = f" via {cause}" if cause != root else ""
        return DeviceState.UNREACHABLE, cause, root, f"cut off behind {root}{via}"
    if ev == EV_FAILED:
        if klass == HOLD:
            return None
        why = "which may be back" if klass == DOUBTED else "whose upstream is not measured"
        return DeviceState.UNKNOWN, "not measured", root, f"no answer; behind {root}, {why}"
    if ev == EV_SUSPECT:
        return _pending(rec)
    return DeviceState.UNKNOWN, "not measured", None, _unmeasured(rec)


def _error(rec: DeviceRec) -> str:
    return rec.error.value if rec.error is not None else "timeout"


def _down_detail(rec: DeviceRec) -> str:
    text = f"no answer to {rec.fails} polls in a row"
    return f"{text} ({rec.error_detail})" if rec.error_detail else text


def _pending(rec: DeviceRec) -> Verdict:
    """A lost poll or two: nothing yet (hysteresis); unknown if we had no state to keep."""
    if rec.state is DeviceState.UP:
        return DeviceState.UP, None, None, f"{rec.fails} poll(s) lost"
    return DeviceState.UNKNOWN, "not measured", None, f"{rec.fails} poll(s) lost, not yet declared failed"


def _unmeasured(rec: DeviceRec) -> str:
    if rec.freed:
        return "not measured since its path came back"
    return "no result recently" if rec.has_result else "not polled yet"


class LinkRec:
    __slots__ = ("a", "a_idx", "access", "b", "b_idx", "cause", "failed", "id", "infra", "infra_end", "layer",
                 "shown",
                 "shown_cause", "since", "site", "state")

    def __init__(self, link: Link, a: Device, b: Device) -> None:
        self.id = link.id
        self.a, self.b = a.name, b.name
        self.a_idx = next((i.index for i in a.interfaces if i.name == link.a.interface), -1)
        self.b_idx = next((i.index for i in b.interfaces if i.name == link.b.interface), -1)
        self.layer = link.layer
        self.site = a.site if b.site in (None, a.site) else b.site if a.site is None else None  # None: between sites
        self.infra = a.site is None and b.site is None
        self.access = (a.site is None) != (b.site is None)  # between a site and the infrastructure
        self.infra_end = a.name if a.site is None else b.name
        self.failed = False  # down between two devices that answer: blocks paths in the topology
        self.state = LinkState.UNKNOWN
        self.cause: str | None = None
        self.shown = LinkState.UNKNOWN
        self.shown_cause: str | None = None
        self.since: float | None = None


def link_failed(link: LinkRec, a: DeviceRec, b: DeviceRec) -> bool:
    """A failure of the link itself, which blocks paths: reported down while both ends answer (else
    the silent end is blamed, or, not measured, it is unknown) and neither still sees it up (the far
    end of a router that just died says "down" before the router misses its first poll)."""
    if a.ev != EV_OK or b.ev != EV_OK:
        return False
    sa, sb = a.itf.get(link.a_idx), b.itf.get(link.b_idx)
    if (sa is not None and sa not in ITF_DOWN) or (sb is not None and sb not in ITF_DOWN):
        return False
    return sa is not None or sb is not None


def link_verdict(link: LinkRec, a: DeviceRec, b: DeviceRec) -> tuple[LinkState, str | None]:
    """What the ends that answer say, the most recent report first (a site router answering over a
    link its collect router said down a poll ago: it is up again); without a report, down when
    either end device is down or unreachable."""
    latest: tuple[float, bool, str] | None = None
    for end, idx in ((a, link.a_idx), (b, link.b_idx)):
        state = end.itf.get(idx) if end.ev == EV_OK else None
        if state is not None:
            report = (end.itf_at, state in ITF_DOWN, f"{end.name}:{end.names.get(idx, idx)}")
            if latest is None or report[:2] > latest[:2]:
                latest = report
    if latest is not None:
        return (LinkState.DOWN, latest[2]) if latest[1] else (LinkState.UP, None)
    for end in (a, b):
        if end.state in (DeviceState.DOWN, DeviceState.UNREACHABLE):
            return LinkState.DOWN, end.name
    if a.state is DeviceState.UNKNOWN or b.state is DeviceState.UNKNOWN:
        return LinkState.UNKNOWN, "not measured"
    return LinkState.UP, None
