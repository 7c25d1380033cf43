"""Getting around without a mouse: the command palette (Ctrl+P: views, sites by code or name,
quick filters, what-if on a location), the ``:`` jump prompt (k9s style), and the help screen (``?``).

Jump prompt commands::

    :overview  :alarms  :history  :sites [FILTER]  :site S00042 (or just S00042)
    :topology  :whatif ELEMENT...  :help  :quit
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from tui.app import VigieApp

VIEWS = {"overview": "overview", "o": "overview", "ov": "overview", "1": "overview",
         "alarms": "alarms", "a": "alarms", "al": "alarms", "2": "alarms",
         "sites": "sites", "s": "sites", "3": "sites",
         "topology": "topology", "topo": "topology", "t": "topology", "4": "topology"}


@dataclass(frozen=True, slots=True)
class Jump:
    """What a ``:`` command asks for."""

    view: str | None = None  # overview, alarms, sites, topology
    site: str | None = None  # open this site's detail
    filter: str | None = None  # sites: apply this filter
    history: bool = False
    what_if: tuple[str, ...] = ()
    help: bool = False
    quit: bool = False


class JumpError(ValueError):
    pass


def parse_jump(text: str, sites: Collection[str]) -> Jump:
    """``:alarms``, ``:site S00042``... (the leading ``:`` is optional)."""
    words = text.strip().lstrip(":").split()
    if not words:
        raise JumpError("empty command; try :alarms, :sites, :site S00042, :topology, :help")
    head, rest = words[0].lower(), words[1:]
    if head in ("q", "quit", "exit"):
        return Jump(quit=True)
    if head in ("help", "h", "?"):
        return Jump(help=True)
    if head in ("history", "hist"):
        return Jump(view="alarms", history=True)
    if head in ("whatif", "what-if", "wi"):
        if not rest:
            raise JumpError(":whatif needs an element, e.g. :whatif LYO-C02 or :whatif MRS")
        return Jump(view="topology", what_if=tuple(rest))
    if head == "site":
        if len(rest) != 1:
            raise JumpError(":site needs one site code, e.g. :site S00042")
        code = rest[0].upper()
        if code not in sites:
            raise JumpError(f"site {rest[0]!r} not in inventory; give a code like S00042 (or filter with :sites NAME)")
        return Jump(site=code)
    if words[0].upper() in sites and not rest:
        return Jump(site=words[0].upper())
    view = VIEWS.get(head)
    if view is None:
        raise JumpError(f"unknown view {head!r}; try :overview, :alarms, :history, :sites [FILTER], :site CODE, "
                        ":topology, :whatif ELEMENT, :help")
    if view == "sites" and rest:
        return Jump(view="sites", filter=" ".join(rest))
    return Jump(view=view)


class JumpScreen(ModalScreen[str | None]):
    """The ``:`` prompt at the bottom of the screen."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="jump-box"):
            yield Input(placeholder="overview · alarms · history · sites [filter] · site S00042 · topology · "
                                    "whatif LYO-C02 · help", id="jump-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


HELP = """\
[b]Vigie: the RIE's network operations dashboard[/b]

[b]Everywhere[/b]
  1 2 3 4        overview, alarms, sites, topology
  :              jump: :alarms  :history  :sites pop:LYO state:down  :site S00042  :topology  :whatif MRS
  Ctrl+P         command palette: views, sites by code or name, quick filters, what-if, theme
  t              dark / light theme        ?  this help        q, Ctrl+C  quit (stops the monitor cleanly)
  Tab            next panel                Esc  back, close
  ↑ ↓ k j  PgUp PgDn  Home End g G  move; Enter opens; the mouse works too (double click opens)

[b]Overview[/b]   sites by state, POP tiles (core routers A/B, collect routers, sites not up),
               backbone planes, the poller's own health, availability this month per access class

[b]Alarms[/b]     a  acknowledge      h  history (cleared alarms)      Enter  open: the site, or the sites
               behind an infrastructure element (sites view filtered with cause:ELEMENT)

[b]Sites[/b]      /  filter (words, or pop:LYO class:premium state:down region:ARA lot:LOT2 cause:LYO-C02,
               !word negates)      c  clear      s  sort (state, code, name, pop, class, since)
               r  reverse          Enter  site detail

[b]Site[/b]       devices, accesses and redundancy, interfaces with rates and sparklines, events,
               availability and error budget left, points of failure        Esc  back

[b]Topology[/b]   failed elements, sites cut off, independent paths per class, blast radius ranking
               Enter on a location or element: what-if (what failing it now would isolate)
               w  what-if on named elements        R  analyse again

States: ● UP  ◐ DEGRADED (redundancy lost)  ▼ DOWN (failure at the site)  ◌ UNREACHABLE (behind a failed
element)  ? UNKNOWN (not measured: never "down")  ≡ MAINT (declared maintenance)
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(HELP, id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)


class VigieCommands(Provider):
    """Views, quick filters, sites (code or name) and what-if on locations."""

    @property
    def vigie(self) -> VigieApp:
        from tui.app import VigieApp

        assert isinstance(self.app, VigieApp)
        return self.app

    def _static(self) -> list[tuple[str, str, str]]:
        """(prompt, jump command, help)."""
        out = [("Overview", "overview", "national status at a glance"),
               ("Alarms", "alarms", "active alarms, newest first"),
               ("Alarm history", "history", "cleared alarms"),
               ("Sites", "sites", "all sites, filterable"),
               ("Topology", "topology", "POPs, backbone, points of failure, blast radius, what-if"),
               ("Help", "help", "keys and views")]
        for state in ("down", "unreachable", "degraded", "unknown", "maintenance"):
            out.append((f"Sites {state}", f"sites state:{state}", f"filter the site list on state:{state}"))
        for loc in self.vigie.shared.infra.pops + self.vigie.shared.infra.dcs:
            out.append((f"What-if {loc} lost", f"whatif {loc}", f"sites that losing {loc} now would isolate"))
        return out

    async def discover(self) -> Hits:
        for prompt, command, text in self._static()[:6]:
            yield DiscoveryHit(prompt, partial(self.vigie.jump, command), help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for prompt, command, text in self._static():
            score = matcher.match(prompt)
            if score > 0:
                yield Hit(score, matcher.highlight(prompt), partial(self.vigie.jump, command), help=text)
        q = query.strip().lower()
        if len(q) < 2:
            return
        model = self.vigie.shared.model
        found = 0
        for i, hay in enumerate(model.hay):  # a substring pass first: 14,000 fuzzy matches would be slow
            if q in hay:
                code = model.codes[i]
                prompt = f"Site {code} {model.name[i]}"
                score = max(matcher.match(prompt), 0.1)
                yield Hit(score, matcher.highlight(prompt), partial(self.vigie.jump, f"site {code}"),
                          help=f"{model.pop[i]} · {model.cls[i]} · {model.state[i].upper()}")
                found += 1
                if found >= 40:
                    break


__all__ = ["HELP", "HelpScreen", "Jump", "JumpError", "JumpScreen", "VigieCommands", "parse_jump"]
