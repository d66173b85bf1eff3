"""The accessibility essentials for OpenDocument spreadsheets (.ods), as for xlsx.

Why a module of its own: the xlsx checks read SpreadsheetML (shared strings, xf styles,
DrawingML); an .ods says the same things in ODF (named cell styles, database ranges, draw
frames with svg:title/svg:desc). The checks here carry the xlsx checks' names and apply the
same essentials where ODF can express them: a cover first, a title in A1 in the "Heading 1"
style, a description in A2, contents linking to every sheet, document title and language, every
table a named database range with one header row of unique text starting in column A, no
merged cells, no filter buttons, numbers stored as numbers, no headers or footers, charts with
a title and a description. The zip is read within the same size and zip-bomb limits as an xlsx
(`xlplugin.ooxml.package.Limits`), and its XML without DTDs or entities.

The other rules of `xlplugin.accessibility.rules` (`MODEL_CHECKS`) run unchanged on the model
the xlsx loader builds, translated from the ODF by `xlplugin.accessibility.ods_model` (cells,
tables, links, frames, macros, cell styles as number formats, fonts, fills and alignment, and
settings.xml as the views): every one of the 32 checks applies to an .ods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from xlplugin.accessibility.model import Finding
from xlplugin.core.errors import InputError, Problem
from xlplugin.ooxml.cellref import column_number, unquote_sheet
from xlplugin.ooxml.package import DEFAULT_LIMITS, parse_xml

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "config": "urn:oasis:names:tc:opendocument:xmlns:config:1.0",
}
_NUMBER_TEXT = re.compile(r"^\s*[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s*%?\s*$")
_SHORTHAND = re.compile(r"^\s*\[[a-z]\]\s*$")
_ADDRESS = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^.'\s]+))\.\$?([A-Z]+)\$?(\d+)$")


def q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


def is_ods(path: str | Path) -> bool:
    """An OpenDocument spreadsheet: a zip whose first entry `mimetype` says so."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(38 + len(ODS_MIMETYPE))
    except OSError:
        return False
    return head[:2] == b"PK" and head[30:38] == b"mimetype" and head[38:].startswith(ODS_MIMETYPE)


@dataclass
class OdsCell:
    value_type: str | None
    text: str
    style: str | None
    formula: str | None
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)
    spans: bool = False
    value: float | None = None  # office:value of a number (float, percentage, currency)
    runs: list[str] = field(default_factory=list)  # style names of the text:span runs


@dataclass
class OdsSheet:
    name: str
    cells: dict[tuple[int, int], OdsCell]
    frames: list[tuple[str, str, bool]]  # (title, description, is a chart)
    hidden_rows: list[int]
    hidden_cols: list[int]
    text_shapes: list[str] = field(default_factory=list)  # names of text boxes and shapes holding text


@dataclass
class OdsTable:
    name: str
    sheet: str
    bounds: tuple[int, int, int, int]  # 1-based top, left, bottom, right
    filter_buttons: bool


@dataclass
class OdsBook:
    path: Path
    sheets: list[OdsSheet]
    tables: list[OdsTable]
    title: str | None
    language: str | None
    styles: dict[str, tuple[str | None, str | None]]  # style name -> (display name, parent)
    headers_footers: bool
    has_macros: bool = False  # Basic/ or Scripts/ in the package
    xml: dict = field(default_factory=dict)  # part name -> parsed root (content, styles, settings)


def _paragraph(p) -> str:
    out = [p.text or ""]
    for child in p:
        if child.tag == q("text:s"):
            out.append(" " * int(child.get(q("text:c"), "1") or 1))
        elif child.tag == q("text:tab"):
            out.append("\t")
        elif child.tag == q("text:line-break"):
            out.append("\n")
        else:
            out.append(_paragraph(child))
        out.append(child.tail or "")
    return "".join(out)


def _cell(element) -> OdsCell:
    text = "\n".join(_paragraph(p) for p in element.findall(q("text:p")))
    links = [(a.get(q("xlink:href")) or "", _paragraph(a)) for a in element.iter(q("text:a"))]
    spans = (
        int(element.get(q("table:number-columns-spanned"), "1")) > 1
        or int(element.get(q("table:number-rows-spanned"), "1")) > 1
    )
    value = None
    if element.get(q("office:value-type")) in ("float", "percentage", "currency"):
        try:
            value = float(element.get(q("office:value"), ""))
        except ValueError:
            value = None
    runs = [span.get(q("text:style-name")) or "" for span in element.iter(q("text:span"))]
    return OdsCell(
        element.get(q("office:value-type")), text, element.get(q("table:style-name")), element.get(q("table:formula")),
        links, spans, value, runs,
    )  # fmt: skip


def _address(text: str) -> tuple[str, int, int]:
    m = _ADDRESS.match(text)
    if not m:
        raise ValueError(text)
    sheet = unquote_sheet(f"'{m.group(1)}'") if m.group(1) is not None else m.group(2)
    return sheet, int(m.group(4)), column_number(m.group(3))


#: Repeated rows or columns beyond this are the empty rest of the sheet, not content.
_MAX_REPEAT = 10_000


def load_ods(path: str | Path) -> OdsBook:
    """Read what the checks need from an .ods (size-checked; XML without DTDs or entities)."""
    path = Path(path)
    parts = _read_parts(path, ("content.xml", "meta.xml", "styles.xml", "settings.xml"))
    if "content.xml" not in parts:
        raise InputError(Problem("is not an OpenDocument spreadsheet (no content.xml)", str(path)))
    content = parse_xml(parts["content.xml"], "content.xml")
    meta = parse_xml(parts["meta.xml"], "meta.xml") if "meta.xml" in parts else None
    styles_root = parse_xml(parts["styles.xml"], "styles.xml") if "styles.xml" in parts else None
    settings = parse_xml(parts["settings.xml"], "settings.xml") if "settings.xml" in parts else None
    styles: dict[str, tuple[str | None, str | None]] = {}
    for root in (styles_root, content):
        if root is None:
            continue
        for style in root.iter(q("style:style")):
            styles[style.get(q("style:name")) or ""] = (
                style.get(q("style:display-name")),
                style.get(q("style:parent-style-name")),
            )
    headers_footers = False
    if styles_root is not None:
        for tag in ("style:header", "style:footer"):
            for element in styles_root.iter(q(tag)):
                if element.get(q("style:display"), "true") != "false" and len(element):
                    headers_footers = True
    body = content.find(q("office:body"))
    spreadsheet = body.find(q("office:spreadsheet")) if body is not None else None
    if spreadsheet is None:
        raise InputError(Problem("is not an OpenDocument spreadsheet (no spreadsheet body)", str(path)))
    sheets = []
    for table in spreadsheet.findall(q("table:table")):
        cells: dict[tuple[int, int], OdsCell] = {}
        frames: list[tuple[str, str, bool]] = []
        hidden_rows: list[int] = []
        hidden_cols: list[int] = []
        col = 0
        column_styles: list[str | None] = []
        for column in table.iter(q("table:table-column")):
            repeat = min(int(column.get(q("table:number-columns-repeated"), "1")), _MAX_REPEAT)
            if column.get(q("table:visibility"), "visible") != "visible":
                hidden_cols += range(col + 1, col + repeat + 1)
            column_styles += [column.get(q("table:default-cell-style-name"))] * min(repeat, 1024)
            col += repeat
        row = 0
        for row_el in table.iter(q("table:table-row")):
            repeat = min(int(row_el.get(q("table:number-rows-repeated"), "1")), _MAX_REPEAT)
            if row_el.get(q("table:visibility"), "visible") != "visible":
                hidden_rows += range(row + 1, row + repeat + 1)
            c = 0
            for cell_el in row_el:
                if cell_el.tag not in (q("table:table-cell"), q("table:covered-table-cell")):
                    continue
                span = min(int(cell_el.get(q("table:number-columns-repeated"), "1")), _MAX_REPEAT)
                cell = _cell(cell_el)
                if cell.style is None and c < len(column_styles):
                    cell.style = column_styles[c]
                for frame in cell_el.iter(q("draw:frame")):
                    frame_title, desc = frame.find(q("svg:title")), frame.find(q("svg:desc"))
                    frames.append(
                        (
                            (frame_title.text or "") if frame_title is not None else "",
                            (desc.text or "") if desc is not None else "",
                            frame.find(q("draw:object")) is not None,
                        )
                    )
                if cell.value_type is not None or cell.text:
                    for r in range(repeat if repeat <= 1000 else 1):  # a huge repeat: the rest of the sheet
                        for k in range(span if span <= 1000 else 1):
                            cells[row + r + 1, c + k + 1] = cell
                c += span
            row += repeat
        sheets.append(
            OdsSheet(table.get(q("table:name")) or "", cells, frames, hidden_rows, hidden_cols, _text_shapes(table))
        )
    tables = []
    for rng in spreadsheet.iter(q("table:database-range")):
        ref = rng.get(q("table:target-range-address")) or ""
        try:
            first, _, last = ref.partition(":")
            sheet, top, left = _address(first)
            _, bottom, right = _address(last or first)
        except ValueError:
            continue
        buttons = rng.get(q("table:display-filter-buttons"), "false") == "true"
        tables.append(OdsTable(rng.get(q("table:name")) or "", sheet, (top, left, bottom, right), buttons))
    title = language = None
    if meta is not None:
        title_el = meta.find(f".//{q('dc:title')}")
        title = title_el.text if title_el is not None else None
        language_el = meta.find(f".//{q('dc:language')}")
        language = language_el.text if language_el is not None else None
    roots = {"content.xml": content, "styles.xml": styles_root, "settings.xml": settings}
    xml = {name: root for name, root in roots.items() if root is not None}
    return OdsBook(path, sheets, tables, title, language, styles, headers_footers, _MACROS in parts, xml)


#: The key `_read_parts` adds when the package holds Basic or script code (no part has this name).
_MACROS = "\0macros"
#: Drawing shapes that can hold text (a text box is a draw:frame with a draw:text-box).
_SHAPES = ("draw:custom-shape", "draw:rect", "draw:ellipse", "draw:polygon", "draw:path", "draw:line")


def _text_shapes(table) -> list[str]:
    """Names of the text boxes and shapes with text drawn on a sheet (in cells or table:shapes)."""
    out = []
    for frame in table.iter(q("draw:frame")):
        if frame.find(q("draw:text-box")) is not None:
            out.append(frame.get(q("draw:name")) or "text box")
    for tag in _SHAPES:
        for shape in table.iter(q(tag)):
            if "".join(_paragraph(p) for p in shape.iter(q("text:p"))).strip():
                out.append(shape.get(q("draw:name")) or tag.split(":")[1])
    return out


def _read_parts(path: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The named parts, each read with a size cap; InputError for a damaged or oversized zip."""
    import zipfile

    limits = DEFAULT_LIMITS

    def refuse(why: str) -> InputError:
        return InputError(Problem(why, str(path)))

    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise refuse(f"the file is {size:,} bytes, over the {limits.max_file_bytes:,}-byte limit")
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_entries:
                raise refuse(f"the package has {len(infos):,} entries, over the limit of {limits.max_entries:,}")
            out = {}
            if any(i.filename.startswith(("Basic/", "Scripts/")) for i in infos):
                out[_MACROS] = b""
            for info in infos:
                if info.filename not in names:
                    continue
                if info.file_size > limits.max_part_bytes:
                    raise refuse(f"{info.filename} inflates to {info.file_size:,} bytes (zip bomb?)")
                with zf.open(info) as handle:
                    data = handle.read(limits.max_part_bytes + 1)
                if len(data) > limits.max_part_bytes:
                    raise refuse(f"{info.filename} inflates to over {limits.max_part_bytes:,} bytes (zip bomb?)")
                out[info.filename] = data
            return out
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise refuse(f"is a damaged zip package ({exc})") from None


def _is_heading_1(book: OdsBook, style: str | None) -> bool:
    seen = set()
    while style and style not in seen:
        seen.add(style)
        display, parent = book.styles.get(style, (None, None))
        if style == "Heading_20_1" or display == "Heading 1":
            return True
        style = parent
    return False


def _sheet(book: OdsBook, name: str) -> OdsSheet | None:
    return next((s for s in book.sheets if s.name == name), None)


#: The rules of `xlplugin.accessibility.rules` run as they are on `ods_model.as_workbook(book)`.
MODEL_CHECKS = (
    "notes", "opens_at_a1", "no_blank_rows_or_columns", "no_empty_cells", "shorthand_key", "units_in_headers",
    "number_formats", "ci_columns", "fonts", "no_rotated_text", "no_superscript", "no_fills_or_colour",
    "hyperlink_text", "no_text_boxes", "no_macros",
)  # fmt: skip

#: The checks that apply to an .ods (the xlsx checks of the same names).
ODS_CHECKS = MODEL_CHECKS + (
    "cover_first", "title_in_a1", "description_in_a2", "contents_links", "tab_names", "no_blank_sheets",
    "document_properties", "tables_marked_up", "one_table_per_sheet", "table_names", "table_headers",
    "tables_start_in_column_a", "no_merged_cells", "no_filter_buttons", "numbers_as_numbers", "no_headers_footers",
    "charts",
)  # fmt: skip


def check_ods(book: OdsBook) -> list[Finding]:
    """Every applicable essential, with the xlsx checks' names."""
    from xlplugin.accessibility.ods_model import as_workbook
    from xlplugin.accessibility.rules import CHECKS

    workbook = as_workbook(book)
    f = [finding for name in MODEL_CHECKS for finding in CHECKS[name](workbook)]
    if not book.sheets:
        return [Finding("cover_first", None, None, "the workbook has no sheets")] + f
    if "cover" not in book.sheets[0].name.lower():
        f.append(Finding("cover_first", book.sheets[0].name, None, "the first sheet is not a cover sheet"))
    for sheet in book.sheets:
        a1, a2 = sheet.cells.get((1, 1)), sheet.cells.get((2, 1))
        if not sheet.cells:
            f.append(Finding("no_blank_sheets", sheet.name, None, "the sheet is empty"))
            continue
        if a1 is None or a1.value_type != "string" or not a1.text.strip():
            f.append(Finding("title_in_a1", sheet.name, "A1", "no title text in A1"))
        elif not _is_heading_1(book, a1.style):
            f.append(Finding("title_in_a1", sheet.name, "A1", "the title is not in the 'Heading 1' cell style"))
        if a2 is None or not a2.text.strip():
            f.append(Finding("description_in_a2", sheet.name, "A2", "no description in A2"))
        if re.fullmatch(r"(sheet|tabelle|feuille)\s*\d+", sheet.name.strip(), re.I):
            f.append(Finding("tab_names", sheet.name, None, "the tab has a default name"))
        if any(c.spans for c in sheet.cells.values()):
            f.append(Finding("no_merged_cells", sheet.name, None, "the sheet has merged cells"))
        for title, desc, is_chart in sheet.frames:
            if is_chart and (not title.strip() or not desc.strip()):
                f.append(Finding("charts", sheet.name, None, "a chart has no title or no description (alt text)"))
    if not book.title or not book.title.strip():
        f.append(Finding("document_properties", None, None, "the document has no title (File > Properties)"))
    if not book.language:
        f.append(Finding("document_properties", None, None, "the document has no language"))
    contents = next((s for s in book.sheets if s.name.lower() == "contents"), None)
    if contents is None:
        f.append(Finding("contents_links", None, None, "there is no Contents sheet"))
    else:
        targets = {_address(href[1:])[0] for c in contents.cells.values() for href, _ in c.links if _is_place(href)}
        missing = [s.name for s in book.sheets if s.name != contents.name and s.name not in targets]
        if missing:
            f.append(Finding("contents_links", contents.name, None, f"no link to {', '.join(missing[:5])}"))
    by_sheet: dict[str, list[OdsTable]] = {}
    for table in book.tables:
        by_sheet.setdefault(table.sheet, []).append(table)
    names = [t.name for t in book.tables]
    for name in {n for n in names if names.count(n) > 1 or not re.fullmatch(r"[A-Za-z_][\w.]*", n)}:
        f.append(Finding("table_names", None, name, "table names must be unique names without spaces"))
    for sheet in book.sheets:
        tables = by_sheet.get(sheet.name, [])
        if len(tables) > 1:
            f.append(Finding("one_table_per_sheet", sheet.name, None, f"{len(tables)} tables on one sheet"))
        numeric_rows = [r for (r, _c), cell in sheet.cells.items() if cell.value_type in ("float", "percentage")]
        if not tables and len(set(numeric_rows)) >= 2:
            f.append(Finding("tables_marked_up", sheet.name, None, "figures that are not in a named table"))
        for table in tables:
            top, left, bottom, right = table.bounds
            if left != 1:
                f.append(Finding("tables_start_in_column_a", sheet.name, table.name, "the table does not start in A"))
            if table.filter_buttons:
                f.append(Finding("no_filter_buttons", sheet.name, table.name, "the table shows filter buttons"))
            headers = [sheet.cells.get((top, c)) for c in range(left, right + 1)]
            texts = [h.text.strip() if h is not None and h.value_type == "string" else "" for h in headers]
            if not all(texts) or len({t.lower() for t in texts}) != len(texts):
                f.append(Finding("table_headers", sheet.name, table.name, "headers must be unique non-empty text"))
            for c in range(left, right + 1):  # as for xlsx: a quoted claim ("9%") among text is text
                column = [sheet.cells.get((r, c)) for r in range(top + 1, bottom + 1)]
                filled = [x for x in column if x is not None and x.text.strip() and not _SHORTHAND.match(x.text)]
                as_text = [x for x in filled if x.value_type == "string" and _NUMBER_TEXT.match(x.text)]
                numbers = [x for x in filled if x.value_type in ("float", "percentage")]
                if as_text and (numbers or len(as_text) == len(filled)):
                    f.append(
                        Finding("numbers_as_numbers", sheet.name, table.name, f"the number '{as_text[0].text}' is text")
                    )
    if book.headers_footers:
        f.append(Finding("no_headers_footers", None, None, "the page styles print headers or footers"))
    return f


def _is_place(href: str) -> bool:
    if not href.startswith("#"):
        return False
    try:
        _address(href[1:])
    except ValueError:
        return False
    return True


def publishing_warnings_ods(book: OdsBook) -> list[Finding]:
    """Hidden rows and columns, formulas, and a cover without contact or next update (as for xlsx)."""
    from xlplugin.accessibility.publishing import CONTACT, NEXT_UPDATE

    out = []
    for sheet in book.sheets:
        if sheet.hidden_rows:
            out.append(Finding("hidden_rows", sheet.name, None, f"{len(sheet.hidden_rows)} hidden row(s)"))
        if sheet.hidden_cols:
            out.append(Finding("hidden_columns", sheet.name, None, f"{len(sheet.hidden_cols)} hidden column(s)"))
        formulas = sum(1 for c in sheet.cells.values() if c.formula)
        if formulas:
            out.append(
                Finding("formulas", sheet.name, None, f"{formulas} formula(s): a published workbook should hold values")
            )
    cover_text = " ".join(c.text for c in book.sheets[0].cells.values()) if book.sheets else ""
    if not CONTACT.search(cover_text):
        out.append(Finding("cover_contact", book.sheets[0].name if book.sheets else None, None, "no contact details"))
    if not NEXT_UPDATE.search(cover_text):
        out.append(Finding("cover_next_update", book.sheets[0].name if book.sheets else None, None, "no next update"))
    return out
