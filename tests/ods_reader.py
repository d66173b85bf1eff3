"""A small, independent reader of .ods files for tests: cells, database ranges, formulas, meta.

Written against the ODF 1.3 schema, not against xlplugin's writer: it expands repeated rows and
columns, reads text from <text:p>/<text:a>/<text:s>, and finds tables through
<table:database-range> (the ODS counterpart of an Excel table), so the tests locate cells the
way any ODF consumer would.
"""

from __future__ import annotations

import copy
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

# ODF's own namespaces all read urn:oasis:names:tc:opendocument:xmlns:NAME:1.0
_ODF = "urn:oasis:names:tc:opendocument:xmlns:{}:1.0"
NS = {prefix: _ODF.format(name) for prefix, name in [("draw", "drawing"), ("svg", "svg-compatible")]}
NS |= {name: _ODF.format(name) for name in ("office", "table", "text", "style", "meta", "chart")}
NS |= {"xlink": "http://www.w3.org/1999/xlink", "dc": "http://purl.org/dc/elements/1.1/"}


def q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


@dataclass
class OdsCell:
    value_type: str | None
    value: float | None
    text: str
    formula: str | None
    style: str | None
    link: str | None = None
    frames: list = field(default_factory=list)  # (title, desc, href)


@dataclass
class OdsTable:
    name: str
    ref: str
    bounds: tuple[int, int, int, int]  # 1-based top, left, bottom, right
    columns: list[str]


def _paragraph_text(p) -> str:
    """Text of one <text:p>, with spans, links and spacing elements, in document order: ElementTree's
    itertext over a copy whose spacing elements are given the text they stand for. On purpose not the
    package reader's recursion (xlplugin/accessibility/ods.py), so the two readings are independent."""
    p = copy.deepcopy(p)
    spacing = {q("text:tab"): "\t", q("text:line-break"): "\n"}
    for element in p.iter():
        if element.tag == q("text:s"):
            element.text = " " * int(element.get(q("text:c"), "1"))
        elif element.tag in spacing:
            element.text = spacing[element.tag]
    return "".join(p.itertext())


def _cell(element) -> OdsCell:
    paragraphs = element.findall(q("text:p"))
    text = "\n".join(_paragraph_text(p) for p in paragraphs)
    link = None
    for a in element.iter(q("text:a")):
        link = a.get(q("xlink:href"))
    value = element.get(q("office:value"))
    frames = []
    for frame in element.iter(q("draw:frame")):
        title = frame.find(q("svg:title"))
        desc = frame.find(q("svg:desc"))
        obj = frame.find(q("draw:object"))
        frames.append(
            (
                title.text if title is not None else None,
                desc.text if desc is not None else None,
                obj.get(q("xlink:href")) if obj is not None else None,
            )
        )
    return OdsCell(
        value_type=element.get(q("office:value-type")),
        value=float(value) if value is not None else None,
        text=text,
        formula=element.get(q("table:formula")),
        style=element.get(q("table:style-name")),
        link=link,
        frames=frames,
    )


class OdsBook:
    def __init__(self, path) -> None:
        self.path = Path(path)
        with zipfile.ZipFile(self.path) as package:
            self.names = package.namelist()
            self.mimetype_info = package.infolist()[0]
            self.parts = {name: package.read(name) for name in self.names}
        self.content = SafeET.fromstring(self.parts["content.xml"])
        self.sheets: dict[str, dict[tuple[int, int], OdsCell]] = {}
        body = self.content.find(q("office:body")).find(q("office:spreadsheet"))
        for table in body.findall(q("table:table")):
            cells: dict[tuple[int, int], OdsCell] = {}
            row = 0
            for row_el in table.iter(q("table:table-row")):
                repeat = int(row_el.get(q("table:number-rows-repeated"), "1"))
                col = 0
                for cell_el in row_el:
                    if cell_el.tag not in (q("table:table-cell"), q("table:covered-table-cell")):
                        continue
                    span = int(cell_el.get(q("table:number-columns-repeated"), "1"))
                    cell = _cell(cell_el)
                    if cell.value_type is not None or cell.text or cell.frames:
                        for r in range(repeat):
                            for c in range(span):
                                cells[row + r + 1, col + c + 1] = cell
                    col += span
                row += repeat
            self.sheets[table.get(q("table:name"))] = cells
        self.tables: list[tuple[str, OdsTable]] = []
        for rng in body.iter(q("table:database-range")):
            ref = rng.get(q("table:target-range-address"))
            sheet, top, left, bottom, right = parse_range_address(ref)
            columns = [
                self.sheets[sheet].get((top, c), OdsCell(None, None, "", None, None)).text
                for c in range(left, right + 1)
            ]
            table = OdsTable(rng.get(q("table:name")), ref, (top, left, bottom, right), columns)
            table.contains_header = rng.get(q("table:contains-header"), "true")  # type: ignore[attr-defined]
            self.tables.append((sheet, table))

    def xml(self, part: str):
        return SafeET.fromstring(self.parts[part])


def parse_cell_address(text: str) -> tuple[str, int, int]:
    """``'Funnel chart'.$A$6`` -> (sheet, row, column), 1-based: the cell after the last dot read by
    openpyxl's coordinate functions (not the package reader's regular expression)."""
    sheet, dot, cell = text.rpartition(".")
    if not dot or not sheet:
        raise ValueError(f"not an ODF cell address: {text!r}")
    sheet = sheet.removeprefix("$")
    if len(sheet) > 1 and sheet[0] == sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    letters, row = coordinate_from_string(cell.replace("$", ""))
    return sheet, row, column_index_from_string(letters)


def parse_range_address(text: str) -> tuple[str, int, int, int, int]:
    """``'Funnel chart'.A6:'Funnel chart'.B10`` -> (sheet, top, left, bottom, right), 1-based."""
    first, _, last = text.partition(":")
    sheet, top, left = parse_cell_address(first)
    _, bottom, right = parse_cell_address(last or first)
    return sheet, top, left, bottom, right


def ods_tables(path) -> list[tuple[str, OdsTable]]:
    """(sheet name, table) for every database range, as `test_report_libreoffice.table_rows` wants."""
    return OdsBook(path).tables
