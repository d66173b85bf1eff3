"""A small, independent reader of .ods files for tests: cells, database ranges, formulas, meta.

Written against the ODF 1.3 schema, not against xlplugin's writer: it expands repeated rows and
columns, reads text from <text:p>/<text:a>/<text:s>, and finds tables through
<table:database-range> (the ODS counterpart of an Excel table), so the tests locate cells the
way any ODF consumer would.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree as SafeET

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "chart": "urn:oasis:names:tc:opendocument:xmlns:chart:1.0",
}


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
    """Text of one <text:p>, with spans, links and spacing elements, in document order."""
    out = [p.text or ""]
    for child in p:
        if child.tag == q("text:s"):
            out.append(" " * int(child.get(q("text:c"), "1")))
        elif child.tag == q("text:tab"):
            out.append("\t")
        elif child.tag == q("text:line-break"):
            out.append("\n")
        else:
            out.append(_paragraph_text(child))
        out.append(child.tail or "")
    return "".join(out)


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


_ADDRESS = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^.'\s]+))\.\$?([A-Z]+)\$?(\d+)$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def parse_cell_address(text: str) -> tuple[str, int, int]:
    m = _ADDRESS.match(text)
    if not m:
        raise ValueError(f"not an ODF cell address: {text!r}")
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    return sheet, int(m.group(4)), _column_number(m.group(3))


def parse_range_address(text: str) -> tuple[str, int, int, int, int]:
    """``'Funnel chart'.A6:'Funnel chart'.B10`` -> (sheet, top, left, bottom, right), 1-based."""
    first, _, last = text.partition(":")
    sheet, top, left = parse_cell_address(first)
    _, bottom, right = parse_cell_address(last or first)
    return sheet, top, left, bottom, right


def ods_tables(path) -> list[tuple[str, OdsTable]]:
    """(sheet name, table) for every database range, as `test_report_libreoffice.table_rows` wants."""
    return OdsBook(path).tables
