""":class:`VirtualTable`: a table that renders only the rows on screen (Textual's Line API).

It holds row *keys* only; the cells of a visible row are asked for when the row is painted
(``cells(key)``), so a table of 14,000 sites costs nothing until rows scroll into view, a state
change repaints a row only if it is visible, and durations stay current by repainting the screen
once a second (a few dozen rows). The header stays on the first line; the cursor follows its key
when the rows are re-sorted or filtered.

Keys: ↑/↓ or k/j, PgUp/PgDn, Home/End (g/G), Enter to open the row; a click moves the cursor,
a double click opens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = tuple[str, str]  # text, component class that styles it ("" for none)
STYLE_CLASSES = {"st-up", "st-degraded", "st-down", "st-unreachable", "st-unknown", "st-maintenance",
                 "sev-critical", "sev-major", "sev-minor", "sev-warning", "vt--dim", "vt--strong", "vt--ok"}


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width: int  # cells; 0: what the others leave (at least ``min_width``)
    right: bool = False
    min_width: int = 8


class VirtualTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"vt--header", "vt--cursor", "vt--cursor-blur", *STYLE_CLASSES}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "edge(0)", "First", show=False),
        Binding("end,G", "edge(1)", "Last", show=False),
        Binding("enter", "open", "Open"),
    ]

    class Selected(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: VirtualTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, table: VirtualTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(self, columns: Sequence[Column], cells: Callable[[str], Sequence[Cell]], *,
                 empty: str = "nothing to show", name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = tuple(columns)
        self.cells = cells
        self.empty = empty
        self.keys: list[str] = []
        self._pos: dict[str, int] = {}
        self.cursor = 0
        self._widths: tuple[int, tuple[int, ...]] = (-1, ())
        self._styles: dict[str, Style] = {}  # resolved once per theme / CSS change (resolving walks the DOM)

    # -- rows ------------------------------------------------------------------------------------

    @property
    def selected(self) -> str | None:
        return self.keys[self.cursor] if 0 <= self.cursor < len(self.keys) else None

    def set_rows(self, keys: Sequence[str]) -> None:
        """Show these rows (in this order); the cursor stays on its key when it is still there."""
        before = self.selected
        self.keys = list(keys)
        self._pos = {k: i for i, k in enumerate(self.keys)}
        if before is not None and before in self._pos:
            self.cursor = self._pos[before]
        else:
            self.cursor = min(self.cursor, max(0, len(self.keys) - 1))
        self.virtual_size = Size(self._total_width(), len(self.keys) + 1)
        self._follow()
        self.refresh()
        if self.selected != before:
            self.post_message(self.Highlighted(self, self.selected))

    def move_to(self, key: str) -> bool:
        i = self._pos.get(key)
        if i is None:
            return False
        self._set_cursor(i)
        return True

    def visible_keys(self) -> list[str]:
        top = int(self.scroll_y)
        return self.keys[top:top + max(0, self.size.height - 1)]

    def refresh_keys(self, keys: Iterable[str]) -> None:
        """Repaint these rows if they are on screen."""
        top = int(self.scroll_y)
        bottom = top + self.size.height - 1
        for key in keys:
            i = self._pos.get(key)
            if i is not None and top <= i < bottom:
                self.refresh_line(i + 1)

    # -- cursor ----------------------------------------------------------------------------------

    def _set_cursor(self, i: int) -> None:
        i = max(0, min(i, len(self.keys) - 1))
        if i == self.cursor or not self.keys:
            self._follow()
            return
        self.cursor = i
        self._follow()
        self.refresh()
        self.post_message(self.Highlighted(self, self.selected))

    def _follow(self) -> None:
        page = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + page:
            self.scroll_to(y=self.cursor - page + 1, animate=False)

    def action_move(self, step: int) -> None:
        self._set_cursor(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._set_cursor(self.cursor + direction * max(1, self.size.height - 2))

    def action_edge(self, end: int) -> None:
        self._set_cursor(len(self.keys) - 1 if end else 0)

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Selected(self, self.selected))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self.keys):
            self._set_cursor(row)
            if event.chain >= 2:
                self.action_open()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self._total_width(), len(self.keys) + 1)
        self._follow()

    # -- painting --------------------------------------------------------------------------------

    @property
    def _width(self) -> int:
        """Cells available for the columns (the vertical scrollbar, when shown, takes its own)."""
        return min(self.size.width, self.scrollable_content_region.width) or self.size.width

    def _total_width(self) -> int:
        return max(self._width, sum(c.width or c.min_width for c in self.columns) + len(self.columns) - 1)

    def widths(self) -> tuple[int, ...]:
        width = self._width
        if self._widths[0] != width:
            fixed = sum(c.width for c in self.columns) + len(self.columns) - 1
            flex = [c for c in self.columns if c.width == 0]
            rest = max(0, width - fixed)
            share = rest // len(flex) if flex else 0
            self._widths = (width, tuple(c.width or max(c.min_width, share) for c in self.columns))
        return self._widths[1]

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            if name == "":
                style = Style()
            elif name == "*base":
                style = self.rich_style
            elif name in ("vt--header", "vt--cursor", "vt--cursor-blur"):
                style = self.get_component_rich_style(name)
            else:
                style = self.get_component_rich_style(name, partial=True)
            self._styles[name] = style
        return style

    def _line(self, cells: Sequence[Cell], base: Style) -> Strip:
        segments = []
        widths = self.widths()
        last = len(self.columns) - 1
        for n, (col, w) in enumerate(zip(self.columns, widths)):
            text, cls = cells[n] if n < len(cells) else ("", "")
            if col.right and cell_len(text) < w:
                text = " " * (w - cell_len(text)) + text
            segments.append(Segment(set_cell_size(text, w), base + self._style(cls)))
            if n < last:
                segments.append(Segment(" ", base))
        strip = Strip(segments)
        return strip.adjust_cell_length(self._width, base)

    def render_line(self, y: int) -> Strip:
        base = self._style("*base")
        if y == 0:
            return self._line([(c.label, "") for c in self.columns], self._style("vt--header"))
        row = int(self.scroll_y) + y - 1
        if row >= len(self.keys):
            if row == 0:
                style = base + self._style("vt--dim")
                return Strip([Segment(set_cell_size(" " + self.empty, self._width), style)])
            return Strip.blank(self._width, base)
        cells = self.cells(self.keys[row])
        if row == self.cursor:
            base = base + self._style("vt--cursor" if self.has_focus else "vt--cursor-blur")
        return self._line(cells, base)


__all__ = ["Cell", "Column", "VirtualTable"]
