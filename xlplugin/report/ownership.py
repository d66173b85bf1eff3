"""How a report workbook records what xlplugin owns, so `refresh` can find it again.

Why: the user may add sheets, charts and names, and Excel or LibreOffice may re-save the file
in their own style. Refresh must change only what the report owns. The record therefore lives in
places that survive a re-save by both applications and that a user rarely touches:

1. A custom document property named ``xlplugin`` (docProps/custom.xml, type ``lpwstr``) whose
   value is compact JSON, e.g.
   ``{"generator":"xlplugin","version":"0.1.0","layout":1,"confidence":0.95,"method":"wilson","publish":false}``.
   Values longer than 255 characters (Excel's limit for a text property) are split into
   ``xlplugin.1``, ``xlplugin.2``, ... in order, with ``xlplugin`` itself holding ``{"parts":N}``.
   `read_ownership` joins them back. ``layout`` is the version of this scheme.
2. Every owned Excel table has a name starting ``xlp_`` (see `TABLE_NAMES`): the table says which
   sheet and which cells are owned, and it follows a renamed sheet.
3. Every owned sheet also has a workbook-level defined name ``xlp_sheet_<key>`` pointing at its A1
   (see `sheet_defined_name`), so owned sheets without a table (the cover) are found after a rename.

Anything without an ``xlp_`` name is the user's and must survive refresh untouched.
"""

from __future__ import annotations

import json

PROPERTY = "xlplugin"
#: Excel refuses custom text properties longer than this.
MAX_PROPERTY_CHARS = 255
#: Version of this ownership scheme; bump when the owned parts change meaning.
LAYOUT_VERSION = 1
TABLE_PREFIX = "xlp_"
SHEET_NAME_PREFIX = "xlp_sheet_"

#: Owned table name for each sheet key the layout can produce.
TABLE_NAMES = {
    "contents": "xlp_contents",
    "notes": "xlp_notes",
    "funnel": "xlp_funnel",
    "funnel_chart": "xlp_funnel_chart_data",
    "denominators": "xlp_denominators",
    "denominators_chart": "xlp_denominators_chart_data",
    "claims": "xlp_claims",
    "programmes": "xlp_programmes",
    "changes": "xlp_changes",
    "trend_chart": "xlp_trend_chart_data",
    "funnel_plot": "xlp_funnel_plot_data",
    "funnel_plot_limits": "xlp_funnel_plot_limits",
    "data": "xlp_data",
}


def sheet_defined_name(key: str) -> str:
    """The defined name that marks the owned sheet `key` (points at its A1)."""
    return SHEET_NAME_PREFIX + key


def ownership_record(version: str, *, confidence: float, method: str, publish: bool, **extra) -> dict:
    """What the workbook says about who made it and with which options."""
    record = {
        "generator": "xlplugin",
        "version": version,
        "layout": LAYOUT_VERSION,
        "confidence": confidence,
        "method": method,
        "publish": publish,
    }
    record.update(extra)
    return record


def ownership_properties(record: dict) -> list[tuple[str, str]]:
    """The custom document properties (name, text) that carry `record`."""
    text = json.dumps(record, separators=(",", ":"), sort_keys=False)
    if len(text) <= MAX_PROPERTY_CHARS:
        return [(PROPERTY, text)]
    parts = [text[i : i + MAX_PROPERTY_CHARS] for i in range(0, len(text), MAX_PROPERTY_CHARS)]
    props = [(PROPERTY, json.dumps({"parts": len(parts)}, separators=(",", ":")))]
    props += [(f"{PROPERTY}.{i}", part) for i, part in enumerate(parts, 1)]
    return props


def read_ownership(properties: dict[str, str]) -> dict | None:
    """Inverse of `ownership_properties`: the record, or None if the workbook is not ours."""
    head = properties.get(PROPERTY)
    if head is None:
        return None
    try:
        value = json.loads(head)
    except ValueError:
        return None
    if isinstance(value, dict) and set(value) == {"parts"}:
        try:
            text = "".join(properties[f"{PROPERTY}.{i}"] for i in range(1, int(value["parts"]) + 1))
            value = json.loads(text)
        except (KeyError, ValueError, TypeError, OverflowError):  # OverflowError: {"parts": Infinity}
            return None
    if not isinstance(value, dict) or value.get("generator") != "xlplugin":
        return None
    return value


def is_owned_table(name: str) -> bool:
    return name.lower().startswith(TABLE_PREFIX)
