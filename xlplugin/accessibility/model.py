"""The workbook as the accessibility checks see it: sheets, cells, tables, links, drawings, styles.

Why a model of its own: the checks judge what Excel and a screen reader will show, so they need
the values, styles and parts as stored, and nothing else; `xlplugin.accessibility.loader` fills it
from the package, and the rules in `xlplugin.accessibility.rules` only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element as XmlElement

from xlplugin.ooxml.cellref import parse_range
from xlplugin.ooxml.package import NS_MAIN, NS_REL

NS_DRAW = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_DC = "http://purl.org/dc/elements/1.1/"

M = f"{{{NS_MAIN}}}"
R_ID = f"{{{NS_REL}}}id"
XDR = f"{{{NS_DRAW}}}"

REL_CHARTSHEET = "/chartsheet"

BUILTIN_NUMBER_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    48: "##0.0E+0",
    49: "@",
}


@dataclass(frozen=True)
class Finding:
    """One breach of the guidance: which check, on which sheet, where, and what is wrong."""

    check: str
    sheet: str | None
    where: str | None
    message: str

    def __str__(self) -> str:
        place = " ".join(p for p in (f"[{self.sheet}]" if self.sheet else "", self.where or "") if p)
        return f"{self.check}: {place + ': ' if place else ''}{self.message}"


@dataclass
class Cell:
    row: int
    col: int
    kind: str  # "n" number, "s" text, "b" boolean, "e" error, "" empty
    value: object
    style: int
    formula: str | None
    runs: list = field(default_factory=list)  # rich-text run properties (rPr elements)

    @property
    def empty(self) -> bool:
        return self.kind == "" or (self.kind == "s" and self.value == "")

    @property
    def text(self) -> str:
        if self.kind == "s" and isinstance(self.value, str):
            return self.value
        return "" if self.value is None else str(self.value)


@dataclass
class Table:
    name: str
    part: str
    ref: str
    header_rows: int
    totals_rows: int
    columns: list[str]
    has_autofilter: bool

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        return parse_range(self.ref)


@dataclass
class Hyperlink:
    ref: str
    location: str | None
    target: str | None
    display: str | None


@dataclass
class Frame:
    """A drawing object: a chart frame, a picture or a shape."""

    kind: str  # "chart" | "picture" | "shape"
    name: str
    descr: str
    has_text: bool
    chart_part: str | None


@dataclass
class Sheet:
    name: str
    part: str
    kind: str  # "worksheet" | "chartsheet"
    state: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    hyperlinks: list[Hyperlink] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    views: list = field(default_factory=list)  # sheetView elements
    header_footer: list[str] = field(default_factory=list)
    sheet_autofilter: bool = False

    def cell(self, row: int, col: int) -> Cell | None:
        return self.cells.get((row, col))


@dataclass
class Styles:
    number_formats: dict[int, str]
    fonts: list
    fills: list
    borders: list
    cell_xfs: list
    style_xfs: list
    cell_styles: list  # (name, xfId, builtinId)

    def xf(self, index: int):
        return self.cell_xfs[index] if 0 <= index < len(self.cell_xfs) else None

    def number_format(self, style: int) -> str:
        xf = self.xf(style)
        ident = int(xf.get("numFmtId", "0")) if xf is not None else 0
        return self.number_formats.get(ident, BUILTIN_NUMBER_FORMATS.get(ident, f"builtin {ident}"))

    def font(self, style: int):
        xf = self.xf(style)
        ident = int(xf.get("fontId", "0")) if xf is not None else 0
        return self.fonts[ident] if 0 <= ident < len(self.fonts) else None


@dataclass
class Workbook:
    path: Path
    sheets: list[Sheet]
    styles: Styles
    active_tab: int
    first_sheet: int
    title: str | None
    language: str | None
    has_macros: bool
    chart_parts: dict[str, XmlElement]  # part name -> parsed chart XML

    def sheet(self, name: str) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.name.lower() == name.lower():
                return sheet
        return None

    @property
    def worksheets(self) -> list[Sheet]:
        return [s for s in self.sheets if s.kind == "worksheet"]
