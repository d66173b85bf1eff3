"""An .ods as the model the xlsx loader builds, so the shared rules run on it unchanged.

Why a module of its own: `ods` reads what ODF says in its own terms (and applies the checks that
only ODF can express its way); this module translates an `OdsBook` into
`xlplugin.accessibility.model` terms, once, for the rules of `xlplugin.accessibility.rules`:

- cells: numbers (float, percentage, currency) as "n" with their value, text as "s";
- database ranges as tables with one header row; links in cells as hyperlinks; charts and text
  boxes or shapes holding text as frames; Basic or script code as macros;
- cell styles (the cell's own, else its column's default, else "Default"; each resolved through
  its parents to the default style) as SpreadsheetML-like style records: a number format code
  translated from the ODF data style (``#,##0``, ``0.0%``), a font (``name``, ``sz``, ``color``,
  ``vertAlign``), a fill (``fo:background-color``) and an alignment (``style:rotation-angle``);
  text spans' styles as rich-text runs;
- settings.xml as the views: the active sheet is the selected tab, the cursor is the selection,
  a scrolled position is a ``topLeftCell`` other than A1.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from xlplugin.accessibility.model import Cell, Frame, Hyperlink, M, Sheet, Styles, Table, Workbook
from xlplugin.accessibility.ods import OdsBook, OdsCell, q
from xlplugin.ooxml.cellref import cell_ref

_NUMBER_TYPES = ("float", "percentage", "currency")
_DATA_STYLES = ("number:number-style", "number:percentage-style", "number:currency-style")
_TEXT_PROPS = {  # ODF text property -> our key
    "style:font-name": "font_name",
    "fo:font-family": "font_family",
    "fo:font-size": "size",
    "fo:color": "color",
    "style:text-position": "position",
}


def _format_code(style: Element) -> str:
    """An ODF number, percentage or currency style as an Excel format code (its first section)."""
    out = []
    for child in style:
        if child.tag == q("number:number"):
            decimals = int(child.get(q("number:decimal-places"), "0") or 0)
            grouping = child.get(q("number:grouping")) == "true"
            out.append(("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else ""))
        elif child.tag == q("number:text"):
            text = child.text or ""
            out.append(text if text == "%" else f'"{text}"' if text else "")
        elif child.tag == q("number:currency-symbol"):
            out.append(f'"{child.text or ""}"')
    return "".join(out) or "General"


class _OdfStyles:
    """Resolved cell and text styles of one .ods, numbered as SpreadsheetML numbers its xfs."""

    def __init__(self, book: OdsBook) -> None:
        self.elements: dict[str, Element] = {}
        self.codes: dict[str, str] = {}
        self.faces: dict[str, str] = {}
        self.default: Element | None = None
        for name in ("styles.xml", "content.xml"):
            root = book.xml.get(name)
            if root is None:
                continue
            for face in root.iter(q("style:font-face")):
                family = (face.get(q("svg:font-family")) or face.get(q("style:name")) or "").strip("'\"")
                self.faces[face.get(q("style:name")) or ""] = family
            for style in root.iter(q("style:style")):
                self.elements[style.get(q("style:name")) or ""] = style
            for tag in _DATA_STYLES:
                for data in root.iter(q(tag)):
                    self.codes[data.get(q("style:name")) or ""] = _format_code(data)
            for default in root.iter(q("style:default-style")):
                if default.get(q("style:family")) == "table-cell":
                    self.default = default
        self.index: dict[str | None, int] = {}
        self.xfs: list[Element] = []
        self.fonts: list[Element] = []
        self.fills: list[Element] = []
        self.formats: dict[int, str] = {}

    def _chain(self, name: str | None) -> list[Element]:
        """The style and its parents, default first (so later ones override)."""
        chain: list[Element] = []
        seen: set[str] = set()
        while name and name not in seen and name in self.elements:
            seen.add(name)
            chain.append(self.elements[name])
            name = self.elements[name].get(q("style:parent-style-name"))
        if self.default is not None:
            chain.append(self.default)
        return chain[::-1]

    def _props(self, name: str | None) -> dict[str, str]:
        props: dict[str, str] = {}
        for style in self._chain(name):
            if style.get(q("style:data-style-name")):
                props["data_style"] = style.get(q("style:data-style-name")) or ""
            for text in style.findall(q("style:text-properties")):
                for attr, key in _TEXT_PROPS.items():
                    if text.get(q(attr)) is not None:
                        props[key] = text.get(q(attr)) or ""
            for cell in style.findall(q("style:table-cell-properties")):
                for attr, key in (("fo:background-color", "background"), ("style:rotation-angle", "rotation")):
                    if cell.get(q(attr)) is not None:
                        props[key] = cell.get(q(attr)) or ""
        return props

    def font(self, props: dict[str, str], tag: str = "name") -> Element:
        """A SpreadsheetML <font> (or a run's <rPr>, `tag` "rFont") with the style's name, size,
        colour and vertical alignment."""
        font = Element(f"{M}font")
        name = self.faces.get(props.get("font_name", ""), props.get("font_name")) or props.get("font_family")
        if name:
            font.append(Element(f"{M}{tag}", {"val": name.strip("'\"")}))
        size = props.get("size", "")
        if size.endswith("pt"):
            font.append(Element(f"{M}sz", {"val": size[:-2]}))
        colour = props.get("color", "")
        if colour.startswith("#") and len(colour) == 7:
            font.append(Element(f"{M}color", {"rgb": "FF" + colour[1:].upper()}))
        position = props.get("position", "").split()
        if position and position[0] not in ("0", "0%"):
            raised = position[0] == "super" or (position[0] != "sub" and not position[0].startswith("-"))
            font.append(Element(f"{M}vertAlign", {"val": "superscript" if raised else "subscript"}))
        return font

    def style_index(self, name: str | None) -> int:
        """The xf index of a cell style (a new one, with its font, fill and format, on first use)."""
        if name in self.index:
            return self.index[name]
        props = self._props(name)
        index = len(self.xfs)
        self.fonts.append(self.font(props))
        fill = Element(f"{M}fill")
        background = props.get("background", "transparent")
        fill.append(Element(f"{M}patternFill", {"patternType": "none" if background == "transparent" else "solid"}))
        self.fills.append(fill)
        self.formats[1000 + index] = self.codes.get(props.get("data_style", ""), "General")
        xf = Element(f"{M}xf", {"numFmtId": str(1000 + index), "fontId": str(index), "fillId": str(index)})
        angle = props.get("rotation", "0").removesuffix("deg")
        if angle not in ("0", ""):
            xf.append(Element(f"{M}alignment", {"textRotation": angle}))
        self.xfs.append(xf)
        self.index[name] = index
        return index

    def run(self, name: str) -> Element:
        """A text span's style as a rich-text run (only what it sets itself, as an <rPr> would)."""
        style = self.elements.get(name)
        props: dict[str, str] = {}
        if style is not None:
            for text in style.findall(q("style:text-properties")):
                for attr, key in _TEXT_PROPS.items():
                    if text.get(q(attr)) is not None:
                        props[key] = text.get(q(attr)) or ""
        return self.font(props, "rFont")

    def model(self) -> Styles:
        return Styles(self.formats, self.fonts, self.fills, [], self.xfs, [], [])


def _model_cell(row: int, col: int, cell: OdsCell, styles: _OdfStyles) -> Cell:
    style = styles.style_index(cell.style or "Default")
    runs = [styles.run(name) for name in cell.runs if name]
    if cell.value_type in _NUMBER_TYPES and cell.value is not None:
        return Cell(row, col, "n", cell.value, style, cell.formula, runs)
    if cell.value_type == "boolean":
        return Cell(row, col, "b", cell.text, style, cell.formula, runs)
    if cell.value_type is None and not cell.text:
        return Cell(row, col, "", None, style, cell.formula, runs)
    return Cell(row, col, "s", cell.text, style, cell.formula, runs)


def _config(entry: Element) -> dict[str, str]:
    return {item.get(q("config:name")) or "": item.text or "" for item in entry.findall(q("config:config-item"))}


def _views(book: OdsBook) -> tuple[int, dict[str, Element]]:
    """(the active sheet's index, sheet name -> a SpreadsheetML-like <sheetView>) from settings.xml."""
    settings = book.xml.get("settings.xml")
    names = [s.name for s in book.sheets]
    views: dict[str, Element] = {}
    if settings is None:
        return 0, views
    view = next(settings.iter(q("config:config-item-map-entry")), None)
    if view is None:
        return 0, views
    active_name = _config(view).get("ActiveTable")
    active = names.index(active_name) if active_name in names else 0
    for tables in view.iter(q("config:config-item-map-named")):
        if tables.get(q("config:name")) != "Tables":
            continue
        for entry in tables.findall(q("config:config-item-map-entry")):
            name = entry.get(q("config:name")) or ""
            items = _config(entry)

            def number(key: str, items: dict[str, str] = items) -> int:
                try:
                    return int(items.get(key, "0") or 0)
                except ValueError:
                    return 0

            row = max(number("PositionTop"), number("PositionBottom"))
            col = max(number("PositionLeft"), number("PositionRight"))
            sheet_view = Element(f"{M}sheetView", {"tabSelected": "1" if name == active_name else "0"})
            if row or col:
                sheet_view.set("topLeftCell", cell_ref(row + 1, col + 1))
            cursor = cell_ref(number("CursorPositionY") + 1, number("CursorPositionX") + 1)
            sheet_view.append(Element(f"{M}selection", {"activeCell": cursor, "sqref": cursor}))
            views[name] = sheet_view
    return active, views


def as_workbook(book: OdsBook) -> Workbook:
    """The .ods as `xlplugin.accessibility.model.Workbook` (see the module's docstring)."""
    styles = _OdfStyles(book)
    styles.style_index("Default")  # xf 0 and font 0 are the default style's, as in SpreadsheetML
    active, views = _views(book)
    sheets = []
    for sheet in book.sheets:
        model = Sheet(sheet.name, "content.xml", "worksheet", "visible")
        if sheet.name in views:
            model.views.append(views[sheet.name])
        for (row, col), cell in sheet.cells.items():
            model.cells[row, col] = _model_cell(row, col, cell, styles)
            for href, text in cell.links:
                location = href[1:] if href.startswith("#") else None
                model.hyperlinks.append(Hyperlink(cell_ref(row, col), location, None if location else href, text))
        for title, desc, is_chart in sheet.frames:  # other frames: pictures, or text boxes (below)
            if is_chart:
                model.frames.append(Frame("chart", title, desc, False, None))
        model.frames += [Frame("shape", name, "", True, None) for name in sheet.text_shapes]
        for t in book.tables:
            if t.sheet == sheet.name:
                top, left, bottom, right = t.bounds
                headers = [sheet.cells.get((top, c)) for c in range(left, right + 1)]
                columns = [h.text if h is not None else "" for h in headers]
                ref = f"{cell_ref(top, left)}:{cell_ref(bottom, right)}"
                model.tables.append(Table(t.name, "content.xml", ref, 1, 0, columns, t.filter_buttons))
        sheets.append(model)
    return Workbook(book.path, sheets, styles.model(), active, 0, book.title, book.language, book.has_macros, {})
