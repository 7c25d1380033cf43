"""The report as one self-contained HTML file: tables and inline SVG plots, no scripts, no
external resources (it can be mailed or archived as it is)."""

from __future__ import annotations

from html import escape
from typing import Any

from sla import svg
from sla.layout import sections
from sla.report_md import title

RIGHT = ' class="r"'
STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e5e5e5; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
p.note { color: #666; font-style: italic; } figure { margin: 1em 0; }
""".strip()


def plots(doc: dict[str, Any]) -> dict[str, str]:
    dist = doc["distribution"]
    days = doc["daily"]
    labels = [d["day"][5:] for d in days]
    targets = {c["target_pct"] for c in doc["classes"]}
    target = next(iter(targets)) if len(targets) == 1 else None
    return {
        "distribution": svg.bar_chart("Sites by availability (%)", [d["bin"] for d in dist],
                                      [float(d["sites"]) for d in dist], "sites"),
        "daily": "\n".join([
            svg.line_chart("Daily availability, all sites (%)", labels, [d["availability_pct"] for d in days],
                           "availability %", target),
            svg.bar_chart("Outages over time: incidents started per day", labels,
                          [float(d["incidents_started"]) for d in days], "incidents", color=svg.ALT),
            svg.bar_chart("Sites with down time per day", labels, [float(d["sites_down"]) for d in days], "sites")]),
    }


def render_html(doc: dict[str, Any]) -> bytes:
    figs = plots(doc)
    t = escape(title(doc))
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">', f"<title>{t}</title>",
           f"<style>\n{STYLE}\n</style>", "</head>", "<body>", f"<h1>{t}</h1>",
           f"<p>Inventory <em>{escape(doc['inputs']['inventory']['name'])}</em>; report id "
           f"<code>{escape(doc['inputs']['report_id'][:16])}</code>.</p>"]
    for sec in sections(doc):
        out.append(f"<h2>{escape(sec.title)}</h2>")
        if sec.intro:
            out.append(f"<p>{escape(sec.intro)}</p>")
        if sec.plot:
            out.append(f"<figure>\n{figs[sec.plot]}\n</figure>")
        if sec.rows:
            out.append("<table>")
            if any(sec.headers):
                out.append("<tr>" + "".join(f"<th{RIGHT if r else ''}>{escape(h)}</th>"
                                            for h, r in zip(sec.headers, sec.right)) + "</tr>")
            for row in sec.rows:
                out.append("<tr>" + "".join(f"<td{RIGHT if r else ''}>{escape(c)}</td>"
                                            for c, r in zip(row, sec.right)) + "</tr>")
            out.append("</table>")
        if sec.note:
            out.append(f'<p class="note">{escape(sec.note)}</p>')
    out += ["</body>", "</html>"]
    return ("\n".join(out) + "\n").encode("utf-8")
