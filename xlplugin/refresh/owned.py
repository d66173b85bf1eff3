"""What a report workbook says about itself: the ownership record and which sheets are owned.

Read (here) and written (`xlplugin.report.ownership`) in one vocabulary: the custom document
property ``xlplugin`` (options and the report spec), ``xlp_sheet_<key>`` defined names and
``xlp_*`` tables, which survive re-saves by Excel and LibreOffice. The recorded spec goes
through the same checks as a spec file.
"""

from __future__ import annotations

import re
from pathlib import Path

from xlplugin.ooxml.book import Book
from xlplugin.ooxml.cellref import unquote_sheet
from xlplugin.ooxml.package import MalformedPart, Package

CUSTOM_PROPS = "docProps/custom.xml"


def custom_properties(package: Package) -> dict[str, str]:
    name = package.find(CUSTOM_PROPS)
    if name is None:
        return {}
    root = package.xml(name)
    out = {}
    for prop in root:
        key = prop.get("name")
        if key is None:
            continue
        value = next((child.text or "" for child in prop), "")
        out[key] = value
    return out


def owned_sheets(book: Book) -> dict[str, str]:
    """Sheet key -> the user's current sheet name, from the ``xlp_sheet_<key>`` defined names."""
    from xlplugin.report import ownership

    out = {}
    for defined in book.defined_names:
        if defined.name.lower().startswith(ownership.SHEET_NAME_PREFIX) and defined.local_sheet_id is None:
            key = defined.name[len(ownership.SHEET_NAME_PREFIX) :]
            match = re.match(r"\s*=?\s*('(?:[^']|'')+'|[^!]+)!", defined.text)
            if not match:
                continue
            name = unquote_sheet(match.group(1))
            if book.sheet_named(name) is not None:
                out[key] = book.sheet_named(name).name
    # a sheet whose name was lost still carries its table
    inverse = {v.lower(): k for k, v in ownership.TABLE_NAMES.items()}
    for table in book.tables:
        key = inverse.get(table.display_name.lower())
        if key and key not in out:
            out[key] = table.sheet.name
    return out


def record_spec_or_none(record: dict, label: str):
    """The report spec recorded in the workbook (title, cover, claims), if it has one."""
    from xlplugin.inputs.spec import spec_from_record

    return None if record.get("spec") is None else spec_from_record(record["spec"], label)


def _recorded_method(record: dict, workbook: Path) -> tuple[float, str]:
    """The confidence level and interval method the workbook records (ranges are checked by the layout)."""
    confidence = record.get("confidence", 0.95)
    method = record.get("method", "wilson")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
        raise MalformedPart(
            CUSTOM_PROPS, f"records the confidence level {confidence!r}, which is not a number", workbook
        )
    if not isinstance(method, str):
        raise MalformedPart(CUSTOM_PROPS, f"records the interval method {method!r}, which is not a name", workbook)
    return float(confidence), method


def _suppressed(record: dict) -> tuple[int, int]:
    value = record.get("suppressed", (0, 4))
    try:
        low, high = int(value[0]), int(value[1])
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        return (0, 4)
    return (low, high)
