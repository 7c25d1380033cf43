"""Small deterministic SVG charts (no plotting library): the same data gives the same bytes.

Coordinates are written with one decimal, text is escaped, and nothing depends on fonts
installed or on the time of day.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

W, H = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 32, 56
BAR = "#3b6ea8"
ALT = "#c0504d"
GRID = "#d9d9d9"


def _f(x: float) -> str:
    return f"{x:.1f}"


def _frame(title: str, body: list[str]) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
            f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">')
    return "\n".join([head, f"<title>{escape(title)}</title>",
                      f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
                      *body, "</svg>"])


def _ticks(lo: float, hi: float, label: str, fmt: str) -> list[str]:
    out = []
    ph = H - TOP - BOTTOM
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        y = TOP + ph - ph * k / 4
        out.append(f'<line x1="{LEFT}" y1="{_f(y)}" x2="{W - RIGHT}" y2="{_f(y)}" stroke="{GRID}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{_f(y + 4)}" text-anchor="end">{escape(format(v, fmt))}</text>')
    out.append(f'<text x="14" y="{_f(TOP + ph / 2)}" transform="rotate(-90 14 {_f(TOP + ph / 2)})" '
               f'text-anchor="middle">{escape(label)}</text>')
    return out


def _x_labels(labels: Sequence[str], centers: Sequence[float]) -> list[str]:
    step = max(1, -(-len(labels) // 16))  # at most 16 labels
    out = []
    for k, (lab, x) in enumerate(zip(labels, centers)):
        if k % step == 0:
            y = H - BOTTOM + 14
            out.append(f'<text x="{_f(x)}" y="{y}" text-anchor="end" transform="rotate(-35 {_f(x)} {y})">'
                       f"{escape(lab)}</text>")
    return out


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], y_label: str,
              fmt: str = ".0f", color: str = BAR) -> str:
    """Vertical bars from 0; each bar carries its value as a tooltip."""
    top = max([*values, 0.0])
    hi = top * 1.1 if top > 0 else 1.0
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = pw / max(1, len(values))
    body = _ticks(0.0, hi, y_label, fmt)
    centers = []
    for k, v in enumerate(values):
        h = ph * v / hi
        x = LEFT + k * slot + slot * 0.1
        centers.append(x + slot * 0.4)
        body.append(f'<rect x="{_f(x)}" y="{_f(TOP + ph - h)}" width="{_f(slot * 0.8)}" height="{_f(h)}" '
                    f'fill="{color}"><title>{escape(labels[k])}: {escape(format(v, fmt))}</title></rect>')
    body += _x_labels(labels, centers)
    body.append(f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{W - RIGHT}" y2="{TOP + ph}" stroke="#000"/>')
    return _frame(title, body)


def line_chart(title: str, labels: Sequence[str], values: Sequence[float | None], y_label: str,
               target: float | None = None, fmt: str = ".3f") -> str:
    """A line with points (None: a gap), and a dashed target line if given."""
    known = [v for v in values if v is not None]
    lo = min([*known, *([target] if target is not None else [])], default=0.0)
    hi = max([*known, *([target] if target is not None else [])], default=1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = pw / max(1, len(values))

    def y(v: float) -> float:
        return TOP + ph - ph * (v - lo) / (hi - lo)

    body = _ticks(lo, hi, y_label, fmt)
    centers = [LEFT + slot * (k + 0.5) for k in range(len(values))]
    if target is not None:
        body.append(f'<line x1="{LEFT}" y1="{_f(y(target))}" x2="{W - RIGHT}" y2="{_f(y(target))}" stroke="{ALT}" '
                    f'stroke-dasharray="6 4"><title>target {escape(format(target, fmt))}</title></line>')
    run: list[str] = []
    for x, v in zip(centers, values):
        if v is None:
            if len(run) > 1:
                body.append(f'<polyline fill="none" stroke="{BAR}" stroke-width="2" points="{" ".join(run)}"/>')
            run = []
            continue
        run.append(f"{_f(x)},{_f(y(v))}")
    if len(run) > 1:
        body.append(f'<polyline fill="none" stroke="{BAR}" stroke-width="2" points="{" ".join(run)}"/>')
    for lab, x, v in zip(labels, centers, values):
        if v is not None:
            body.append(f'<circle cx="{_f(x)}" cy="{_f(y(v))}" r="2.5" fill="{BAR}">'
                        f"<title>{escape(lab)}: {escape(format(v, fmt))}</title></circle>")
    body += _x_labels(labels, centers)
    return _frame(title, body)
