"""Schema child order: one table of which children follow which, and one "insert child in order".

Why a table: Excel refuses (or "repairs") a part whose children are out of the schema's
sequence, and the order was written out by hand wherever an element was added (calcPr after
definedNames, a drawing before legacyDrawing, styles sections...). python-pptx's `successors`
idea: a new child goes before the first existing child that the schema puts after it.
"""

from __future__ import annotations

from xlplugin.ooxml.scanner import Edit, Element

__all__ = ["CHILD_ORDER", "NS_MAIN", "append_child", "insert_child"]

#: The SpreadsheetML main namespace (the parts CHILD_ORDER describes).
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

CHILD_ORDER: dict[str, tuple[str, ...]] = {
    # ECMA-376 Part 1, CT_Workbook (18.2.27)
    "workbook": (
        "fileVersion",
        "fileSharing",
        "workbookPr",
        "workbookProtection",
        "bookViews",
        "sheets",
        "functionGroups",
        "externalReferences",
        "definedNames",
        "calcPr",
        "oleSize",
        "customWorkbookViews",
        "pivotCaches",
        "smartTagPr",
        "smartTagTypes",
        "webPublishing",
        "fileRecoveryPr",
        "webPublishObjects",
        "extLst",
    ),
    # CT_Worksheet (18.3.1.99)
    "worksheet": (
        "sheetPr",
        "dimension",
        "sheetViews",
        "sheetFormatPr",
        "cols",
        "sheetData",
        "sheetCalcPr",
        "sheetProtection",
        "protectedRanges",
        "scenarios",
        "autoFilter",
        "sortState",
        "dataConsolidate",
        "customSheetViews",
        "mergeCells",
        "phoneticPr",
        "conditionalFormatting",
        "dataValidations",
        "hyperlinks",
        "printOptions",
        "pageMargins",
        "pageSetup",
        "headerFooter",
        "rowBreaks",
        "colBreaks",
        "customProperties",
        "cellWatches",
        "ignoredErrors",
        "smartTags",
        "drawing",
        "legacyDrawing",
        "legacyDrawingHF",
        "drawingHF",
        "picture",
        "oleObjects",
        "controls",
        "webPublishItems",
        "tableParts",
        "extLst",
    ),
    # CT_Stylesheet (18.8.39)
    "styleSheet": (
        "numFmts",
        "fonts",
        "fills",
        "borders",
        "cellStyleXfs",
        "cellXfs",
        "cellStyles",
        "dxfs",
        "tableStyles",
        "colors",
        "extLst",
    ),
    # CT_Table (18.5.1.2)
    "table": ("autoFilter", "sortState", "tableColumns", "tableStyleInfo", "extLst"),
}


def _schema_local(child: Element) -> str:
    """The local name the schema sees: an ``mc:AlternateContent`` stands for its first choice's element."""
    if child.local == "AlternateContent":
        for choice in child.children:
            if choice.children:
                return choice.children[0].local
    return child.local


def append_child(data: bytes, parent: Element, fragment: bytes) -> Edit:
    """An edit that appends `fragment` as the last child of `parent` (which may be self-closing)."""
    if parent.empty:
        opening = data[parent.start : parent.open_end - 2].rstrip() + b">"
        return (parent.start, parent.end, opening + fragment + b"</" + parent.qname(data).encode() + b">")
    return (parent.close_start, parent.close_start, fragment)


def insert_child(data: bytes, parent: Element, local: str, fragment: bytes) -> Edit:
    """An edit that inserts `fragment` (a `local` element) among `parent`'s children in schema order.

    It goes before the first child the schema puts after `local`; children the table does not
    know (another vendor's) are passed over. A parent without a table gets it appended.
    """
    order = CHILD_ORDER.get(parent.local)
    if order is not None:
        if local not in order:
            raise ValueError(f"<{local}> is not a child of <{parent.local}> in the schema")
        rank = order.index(local)
        for child in parent.children:
            seen = _schema_local(child)
            if seen in order and order.index(seen) > rank:
                return (child.start, child.start, fragment)
    return append_child(data, parent, fragment)
