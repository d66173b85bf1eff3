"""Warnings for a workbook about to be published, beyond the accessibility essentials.

Why separate from the checks: these are advice, not breaches. The guidance ("Releasing
statistics in spreadsheets") asks for no hidden rows or columns (a reader cannot tell they are
there), no frozen panes (they confuse screen readers and magnifiers), values rather than
formulas in a published file, and a cover that says whom to contact and when the next update
is. A workbook can pass every accessibility check and still get these warnings
(`xlplugin check-workbook`); `--publish` reports have no formulas.
"""

from __future__ import annotations

import re
from pathlib import Path

from xlplugin.accessibility.loader import load_workbook
from xlplugin.accessibility.model import Finding, M, Workbook
from xlplugin.ooxml.package import open_package

CONTACT = re.compile(r"\b(contact|e-?mail|telephone|phone)\b|@", re.I)
NEXT_UPDATE = re.compile(r"\bnext (update|release|publication)\b|\bnot (be )?updated\b|\bno further update", re.I)


def _hidden(root) -> tuple[list[str], list[str]]:
    rows = [row.get("r", "?") for row in root.iter(f"{M}row") if row.get("hidden") in ("1", "true")]
    cols = []
    for col in root.iter(f"{M}col"):
        if col.get("hidden") in ("1", "true"):
            first, last = col.get("min", "?"), col.get("max", "?")
            cols.append(first if first == last else f"{first}-{last}")
    return rows, cols


def publishing_warnings(workbook: Workbook) -> list[Finding]:
    """Hidden rows and columns, frozen panes, formulas, and a cover without contact or next update."""
    findings: list[Finding] = []
    with open_package(workbook.path) as package:
        for sheet in workbook.worksheets:
            root = package.xml(sheet.part)
            rows, cols = _hidden(root)
            if rows:
                shown = ", ".join(rows[:5]) + (" ..." if len(rows) > 5 else "")
                findings.append(Finding("hidden_rows", sheet.name, None, f"{len(rows)} hidden row(s): {shown}"))
            if cols:
                findings.append(
                    Finding("hidden_columns", sheet.name, None, f"hidden column(s) {', '.join(cols[:5])} (by number)")
                )
            panes = [p for p in root.iter(f"{M}pane") if p.get("state") in ("frozen", "frozenSplit")]
            if panes:
                findings.append(
                    Finding(
                        "freeze_panes", sheet.name, None, "frozen panes: unfreeze them (they confuse screen readers)"
                    )
                )
    formulas = {s.name: sum(1 for c in s.cells.values() if c.formula is not None) for s in workbook.worksheets}
    for name, count in formulas.items():
        if count:
            findings.append(
                Finding(
                    "formulas",
                    name,
                    None,
                    f"{count} formula(s): a published workbook should hold values "
                    "(xlplugin report --publish writes values only)",
                )
            )
    if workbook.worksheets:
        cover = workbook.worksheets[0]
        text = " ".join(c.text for c in cover.cells.values() if c.kind == "s")
        if not CONTACT.search(text):
            findings.append(Finding("cover_contact", cover.name, None, "the cover gives no contact details"))
        if not NEXT_UPDATE.search(text):
            findings.append(
                Finding("cover_next_update", cover.name, None, "the cover does not say when the next update is")
            )
    return findings


def check_for_publication(path: str | Path) -> tuple[list[Finding], list[Finding]]:
    """(accessibility findings, publishing warnings) for the workbook at `path`."""
    from xlplugin.accessibility.ods import check_ods, is_ods, load_ods, publishing_warnings_ods
    from xlplugin.accessibility.rules import CHECKS

    if is_ods(path):
        book = load_ods(path)
        return check_ods(book), publishing_warnings_ods(book)
    workbook = load_workbook(path)
    findings = [f for name in CHECKS for f in CHECKS[name](workbook)]
    return findings, publishing_warnings(workbook)
