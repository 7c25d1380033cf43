"""The report in Markdown (GitHub-flavoured tables)."""

from __future__ import annotations

from typing import Any

from sla.layout import sections


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def title(doc: dict[str, Any]) -> str:
    inp = doc["inputs"]
    scope = ", ".join(f"{k} {v}" for k, v in inp["filters"].items() if v)
    return f"SLA report {inp['period']['label']}" + (f" ({scope})" if scope else "")


def render_md(doc: dict[str, Any]) -> bytes:
    lines = [f"# {title(doc)}", "", f"Inventory *{doc['inputs']['inventory']['name']}*; report id "
             f"`{doc['inputs']['report_id'][:16]}`.", ""]
    for sec in sections(doc):
        lines += [f"## {sec.title}", ""]
        if sec.intro:
            lines += [sec.intro, ""]
        if sec.rows:
            lines.append("| " + " | ".join(_cell(h) or " " for h in sec.headers) + " |")
            lines.append("|" + "|".join("---:" if r else "---" for r in sec.right) + "|")
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in sec.rows]
            lines.append("")
        if sec.note:
            lines += [f"*{sec.note}*", ""]
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")
