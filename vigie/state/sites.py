"""A site's service state, from the states of its devices and of its links.

- **UP**: a site router (CE) is up, every device of the site is up, and at least as many
  accesses (links to the infrastructure: fibre, copper, satellite, 4G) work as the access class
  expects (``expected_redundancy``, capped by the accesses the site has).
- **DEGRADED**: a CE is up (service up) but redundancy is lost: an access down (a premium site
  on one of its two accesses; a standard site on its 4G backup, or with its 4G backup lost), a
  device of the site down or unreachable, or a link inside the site down.
- **UNKNOWN**: no CE is up and one is not measured: we do not know.
- **UNREACHABLE**: no CE up, and every measured device of the site is unreachable because of an
  infrastructure element (collect router, POP core, backbone or collect link): the cause is
  that element, the one closest to the datacentres.
- **DOWN**: no CE up and the failure is at the site: one of its routers or accesses is down while
  what is upstream of it is fine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vigie.model import Layer, Role
from vigie.state.devices import DeviceRec, LinkRec
from vigie.state.events import DeviceState, LinkState, SiteState
from vigie.state.topology import EV_OK

_BAD = (DeviceState.DOWN, DeviceState.UNREACHABLE)


class SiteRec:
    __slots__ = ("access", "cause", "code", "detail", "links", "members", "required", "root", "shown",
                 "shown_cause", "shown_detail", "shown_root", "since", "state")

    def __init__(self, code: str, members: Sequence[str], links: Sequence[LinkRec], required: int) -> None:
        self.code = code
        self.members = tuple(members)
        self.links = tuple(links)
        self.access = tuple(lk for lk in links if lk.access)
        self.required = min(required, len(self.access))
        self.state = SiteState.UNKNOWN
        self.cause: str | None = "not measured"
        self.detail = ""
        self.root: str | None = None
        self.shown = SiteState.UNKNOWN
        self.shown_cause: str | None = "not measured"
        self.shown_detail = ""
        self.shown_root: str | None = None
        self.since: float | None = None


SiteVerdict = tuple[SiteState, str | None, str, str | None]  # state, cause, detail, root


def site_verdict(site: SiteRec, devices: Sequence[DeviceRec], state_of: Callable[[str], DeviceState],
                 cost: Callable[[str], tuple[int, str]], is_infra: Callable[[str], bool]) -> SiteVerdict | None:
    """``devices``: the site's devices, CEs first; ``state_of``: the state of any device. None: keep
    the previous state, while the verdict rests on a device up by hysteresis only (it lost a poll
    or two, or waits for its upstream to be declared)."""
    ces = [d for d in devices if d.role is Role.CE] or list(devices)
    if any(d.state is DeviceState.UP for d in ces):
        verdict = _service_up(site, devices, state_of)
        if verdict[0] is not SiteState.UP and not any(d.state is DeviceState.UP and d.ev == EV_OK for d in ces):
            return None  # it rests on a router still up by hysteresis only: wait until it answers or is declared
        return verdict
    unknown = [d.name for d in ces if d.state is DeviceState.UNKNOWN]
    if unknown:
        return SiteState.UNKNOWN, "not measured", f"{', '.join(unknown)} not measured", None
    if any(d.state is DeviceState.UP and d.ev != EV_OK for d in devices):
        return None  # a device still up by hysteresis only: down or unreachable will depend on it
    measured = [d for d in devices if d.state is not DeviceState.UNKNOWN]
    roots = [d.root for d in measured if d.state is DeviceState.UNREACHABLE and d.root is not None]
    if len(roots) == len(measured) and all(is_infra(r) for r in roots):
        root = min(roots, key=cost)
        return SiteState.UNREACHABLE, root, f"behind {root}", root
    for d in devices:
        if d.state is DeviceState.DOWN:
            return SiteState.DOWN, d.name, f"{d.name} down ({d.cause})", None
    for lk in site.access:
        if lk.state is LinkState.DOWN:
            return SiteState.DOWN, lk.id, f"access {lk.id} down", None
    nearest = min(roots, key=cost) if roots else None
    return SiteState.DOWN, nearest, f"cut off by {nearest}" if nearest else "no site router up", None


def _access(link: LinkRec, state_of: Callable[[str], DeviceState], single: bool) -> tuple[LinkState, str]:
    """Whether an access gives the site a path: the link up and its collect router reached. A site
    with one access that answers proves it (its collect router may not have been polled since
    its own upstream came back)."""
    if link.state is not LinkState.UP:
        return link.state, "down"
    end = state_of(link.infra_end)
    if end is DeviceState.UP or single:
        return LinkState.UP, ""
    if end is DeviceState.UNKNOWN:
        return LinkState.UNKNOWN, ""
    return LinkState.DOWN, f"lost: {link.infra_end} {end.value}"


def _service_up(site: SiteRec, devices: Sequence[DeviceRec], state_of: Callable[[str], DeviceState]) -> SiteVerdict:
    accesses = [(lk, *_access(lk, state_of, len(site.access) == 1)) for lk in site.access]
    up = sum(state is LinkState.UP for _, state, _ in accesses)
    unknown = sum(state is LinkState.UNKNOWN for _, state, _ in accesses)
    on_4g = any(lk.layer is Layer.BACKUP_4G and state is LinkState.UP for lk, state, _ in accesses)
    lost: list[tuple[str, str]] = []  # (element, what happened to it): devices first, then links
    for d in devices:
        if d.state in _BAD:
            lost.append((d.name, f"{d.name} {d.state.value}"))
    bad = bool(lost)
    blamed = {name for name, _ in lost}
    for lk, state, why in accesses:
        if state is LinkState.DOWN and lk.a not in blamed and lk.b not in blamed:
            what = "4G backup" if lk.layer is Layer.BACKUP_4G else "access"
            backup = ", running on its 4G backup" if on_4g and lk.layer is not Layer.BACKUP_4G else ""
            lost.append((lk.id, f"{what} {lk.id} {why}{backup}"))
    for lk in site.links:
        if not lk.access and lk.state is LinkState.DOWN and lk.a not in blamed and lk.b not in blamed:
            bad = True
            lost.append((lk.id, f"site link {lk.id} down"))
    if lost and (bad or up + unknown < site.required):
        return SiteState.DEGRADED, lost[0][0], "; ".join(text for _, text in lost), None
    missing = [d.name for d in devices if d.state is DeviceState.UNKNOWN]
    missing += [lk.id for lk, state, _ in accesses if state is LinkState.UNKNOWN]
    if missing:
        return SiteState.UP, None, f"redundancy not measured: {', '.join(missing)}", None
    return SiteState.UP, None, "", None
