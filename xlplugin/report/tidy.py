"""The tidy CSV companion (`report --csv DIR`): every report table as machine-readable data.

Why: the workbook is for people (title rows above each table, GSS shorthand such as ``[z]``
inside numeric columns, percentages); the guidance also asks for data a program can read
without cleaning. So each table becomes one CSV with one header row of plain column names,
numbers as plain numbers at full precision (proportions 0-1, never ``%``), and beside every
numeric column that has shorthand anywhere a ``<name>_status`` column holding it (``[c]``,
``[x]``, ``[z]``) where the value is empty. `datapackage.json` (Frictionless Data Package)
names each column's title, type, unit and meaning. Pure: builds the files' bytes; `build`
writes them.
"""

from __future__ import annotations

import csv
import io
import json
import re

from xlplugin.core.counts import CONFIDENTIAL_SYMBOL, SHORTHAND_MEANINGS
from xlplugin.report.model import COUNT, POINTS, RATE, RATIO, SHORT, Layout, Table

#: Tables that are navigation, not data.
SKIPPED_SHEETS = ("contents",)
SHORTHAND_MEANING = ", ".join(
    f"{symbol} {meaning}" + (" (suppressed)" if symbol == CONFIDENTIAL_SYMBOL else "")
    for symbol, meaning in SHORTHAND_MEANINGS.items()
)
_UNIT = re.compile(r"^(.*?)\s*\(([^()]*)\)$")


def column_name(header: str, taken: set[str]) -> str:
    """'Rate of base (%)' -> 'rate_of_base'; unique within the table."""
    title = _UNIT.sub(r"\1", header).strip() or header
    level = re.match(r"^(\d+(?:\.\d+)?)% (.+)$", title)  # "95% CI lower" -> "ci_lower_95"
    if level:
        title = f"{level.group(2)} {level.group(1).replace('.', '_')}"
    base = re.sub(r"[^0-9a-z]+", "_", title.lower()).strip("_") or "column"
    if base[0].isdigit():
        base = "c" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


PROPORTION = "proportion (0-1)"
FRACTION = "fraction (1 = 100%)"


def _unit(header: str, kinds: set[str], values: list) -> str | None:
    """The column's unit: a proportion (0-1) for rates; a fraction for percentages that can leave
    0-1 (a relative change); else the unit the header states in brackets."""
    m = _UNIT.match(header)
    stated = m.group(2).strip() if m else None
    if RATE in kinds or stated == "%":
        if "change" in header.lower() or any(not 0 <= v <= 1 for v in values):
            return FRACTION
        return PROPORTION
    if POINTS in kinds or stated == "points":
        return "percentage points"
    return stated


def _number_text(value: int | float) -> str:
    """The integer, or the shortest text that reads back as exactly the same float."""
    return repr(float(value)) if isinstance(value, float) else str(value)


def _status_field(field_name: str, header: str, taken: set[str]) -> dict:
    """The string column beside `field_name` that says, in GSS shorthand, why a cell has no value."""
    return {
        "name": column_name(f"{field_name}_status", taken),
        "title": f"{header}: status",
        "type": "string",
        "description": f"Why {field_name} is empty, in GSS shorthand: {SHORTHAND_MEANING}.",
    }


def _table_files(name: str, title: str, description: str, table: Table) -> tuple[bytes, dict]:
    n = len(table.headers)
    columns = [[row[j] for row in table.rows] for j in range(n)]
    numeric = [any(c.is_number for c in col) or (bool(col) and all(c.kind == SHORT for c in col)) for col in columns]
    taken: set[str] = set()
    fields: list[dict] = []
    plan: list[tuple[int, str]] = []  # (column index, "value" | "status" | "text")
    for j, header in enumerate(table.headers):
        col = columns[j]
        field_name = column_name(header, taken)
        if numeric[j]:
            kinds = {c.kind for c in col if c.is_number}
            integer = all(isinstance(c.value, int) for c in col if c.is_number) and kinds <= {COUNT}
            field = {"name": field_name, "title": header, "type": "integer" if integer else "number"}
            unit = _unit(header, kinds, [c.value for c in col if c.is_number])
            if unit:
                field["unit"] = unit
            if unit == PROPORTION:
                field["description"] = "A proportion from 0 to 1 (the workbook shows it as a percentage)."
            elif unit == FRACTION:
                field["description"] = "A fraction: 0.5 means 50%, -0.1 means -10% (the workbook shows a percentage)."
            elif RATIO in kinds:
                field["description"] = "A ratio between counts of different units, not a percentage."
            fields.append(field)
            plan.append((j, "value"))
            if any(not c.is_number for c in col):
                fields.append(_status_field(field_name, header, taken))
                plan.append((j, "status"))  # of a number: the shorthand wherever there is no number
        else:
            fields.append({"name": field_name, "title": header, "type": "string"})
            plan.append((j, "text"))
            if any(c.kind == SHORT for c in col):  # e.g. the first stage's base, [z]
                fields.append(_status_field(field_name, header, taken))
                plan.append((j, "text_status"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f["name"] for f in fields])
    for row in table.rows:
        line = []
        for j, what in plan:
            cell = row[j]
            if what == "value":
                line.append(_number_text(cell.value) if isinstance(cell.value, (int, float)) and cell.is_number else "")
            elif what == "status":
                line.append("" if cell.is_number else str(cell.value))
            elif what == "text_status":
                line.append(str(cell.value) if cell.kind == SHORT else "")
            else:
                line.append("" if cell.kind == SHORT else str(cell.value))
        writer.writerow(line)
    resource = {
        "name": name,
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "title": title,
        "description": description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": fields, "missingValues": [""]},
    }
    return out.getvalue().encode("utf-8"), resource


def tidy_files(layout: Layout) -> dict[str, bytes]:
    """File name -> bytes: one CSV per table and `datapackage.json` describing them all."""
    files: dict[str, bytes] = {}
    resources = []
    for sheet in layout.sheets:
        if sheet.table is None or sheet.key in SKIPPED_SHEETS:
            continue
        name = sheet.table.name.removeprefix("xlp_")
        data, resource = _table_files(name, sheet.title, sheet.description, sheet.table)
        files[f"{name}.csv"] = data
        resources.append(resource)
    created = layout.properties.get("created")
    package = {
        "profile": "tabular-data-package",
        "name": re.sub(r"[^0-9a-z]+", "-", layout.title.lower()).strip("-")[:100] or "xlplugin-report",
        "title": layout.title,
        "description": layout.properties.get("subject", ""),
        **({"created": created.strftime("%Y-%m-%dT%H:%M:%SZ")} if created is not None else {}),
        "resources": resources,
    }
    files["datapackage.json"] = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files
