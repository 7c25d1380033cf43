"""The report as JSON: everything (every site, every incident), keys sorted, compact, for machines."""

from __future__ import annotations

from typing import Any

import orjson


def render_json(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
