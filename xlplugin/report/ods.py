"""Render a report `Layout` to OpenDocument spreadsheet (.ods) bytes, without LibreOffice.

Why our own small writer rather than odfpy: the layout is already a complete description
(cells, kinds, tables, charts), so the writer is a straight walk that emits ODF XML text;
odfpy would add a dependency that builds a DOM of every cell (slower to import and to
serialise) and still leaves chart XML, database ranges and cached formula values to us.
The zip is written with fixed entry times, so a fixed layout gives identical bytes.

Same rules as the xlsx writer: text is always a string cell (never parsed as a formula or a
link); formulas (translated from the layout's Excel syntax to OpenFormula) carry their
cached values, or with `publish` only values are written; every table is a named database
range with one header row; A1 titles use the named "Heading 1" cell style.
"""

from __future__ import annotations

import io
import re
import zipfile

from xlplugin.ooxml.cellref import quote_sheet, unquote_sheet
from xlplugin.report import ownership
from xlplugin.report.model import (
    COUNT,
    HEADING2,
    NUMBER_FORMATS,
    P_VALUE,
    POINTS,
    RATE,
    RATIO,
    SHORT,
    Cell,
    Layout,
    Sheet,
)
from xlplugin.report.odf import NS_ATTRS, cell_address, esc, paragraphs, range_address
from xlplugin.report.ods_chart import chart_object, chart_ranges, sheet_cells
from xlplugin.report.pages import BREAK, FIT_PAGE, break_row, print_plan
from xlplugin.report.textfit import FONT, FONT_SIZE, row_height

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
#: Fixed zip entry time (as XlsxWriter's): identical layouts give identical files.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_REF = re.compile(r"(?:'((?:[^']|'')+)'!|([A-Za-z_][\w.]*)!)?(\$?[A-Z]{1,3}\$?\d+)(?::(\$?[A-Z]{1,3}\$?\d+))?")

# Number styles (data styles) for the layout's number kinds.
_DATA_STYLES = {
    COUNT: '<number:number-style style:name="N_count"><number:number number:decimal-places="0" '
    'number:min-decimal-places="0" number:min-integer-digits="1" number:grouping="true"/></number:number-style>',
    RATE: '<number:percentage-style style:name="N_rate"><number:number number:decimal-places="1" '
    'number:min-decimal-places="1" number:min-integer-digits="1"/><number:text>%</number:text>'
    "</number:percentage-style>",
    RATIO: '<number:number-style style:name="N_ratio"><number:number number:decimal-places="2" '
    'number:min-decimal-places="2" number:min-integer-digits="1"/></number:number-style>',
    P_VALUE: '<number:number-style style:name="N_p_small"><number:text>&lt;0.0001</number:text>'
    '</number:number-style><number:number-style style:name="N_p"><number:number number:decimal-places="4" '
    'number:min-decimal-places="4" number:min-integer-digits="1"/>'
    '<style:map style:condition="value()&lt;0.0001" style:apply-style-name="N_p_small"/></number:number-style>',
    # "+0.0;-0.0;0.0": a rise shows its sign, as Excel's format does (negatives carry theirs anyway)
    POINTS: '<number:number-style style:name="N_points_up"><number:text>+</number:text><number:number '
    'number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/></number:number-style>'
    '<number:number-style style:name="N_points"><number:number number:decimal-places="1" '
    'number:min-decimal-places="1" number:min-integer-digits="1"/>'
    '<style:map style:condition="value()&gt;0" style:apply-style-name="N_points_up"/></number:number-style>',
}
_DATA_STYLE_NAMES = {COUNT: "N_count", RATE: "N_rate", RATIO: "N_ratio", P_VALUE: "N_p", POINTS: "N_points"}
assert set(_DATA_STYLES) == set(NUMBER_FORMATS)  # every number kind the model knows has an ODF style

_TOP = '<style:table-cell-properties style:vertical-align="top"/>'
_WRAP = '<style:table-cell-properties fo:wrap-option="wrap" style:vertical-align="top"/>'
_BOLD = '<style:text-properties fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"/>'
_CELL_STYLES = {
    "body": "",
    "cover_body": _WRAP,
    "header": _WRAP + _BOLD,
    "header_indented": _WRAP + '<style:paragraph-properties fo:margin-left="0.18cm"/>' + _BOLD,
    "header_numeric": _WRAP + '<style:paragraph-properties fo:text-align="end"/>' + _BOLD,
    "wrap": _WRAP,
    "wrap_indented": _WRAP + '<style:paragraph-properties fo:margin-left="0.18cm"/>',
    "link": _TOP + '<style:text-properties fo:color="#0563c1" style:text-underline-style="solid" '
    'style:text-underline-width="auto" style:text-underline-color="font-color"/>',
    "short": _TOP + '<style:paragraph-properties fo:text-align="end"/>',
}


def _cm(points: float) -> str:
    return f"{points * 2.54 / 72:.3f}cm"


#: Pixels (at 96 dpi) of one character of column width: the digit width of 11 pt Arial, the
#: default font, as LibreOffice reads the same width from the xlsx (so both look alike).
PX_PER_CHAR = 8.16


def column_width_cm(width: float) -> str:
    """A column width in characters of the default font (as in xlsx) as an ODF length, with 5 px padding."""
    return f"{(width * PX_PER_CHAR + 5) / 96 * 2.54:.3f}cm"


def of_formula(formula: str) -> str:
    """An Excel formula of the layout (``=B8/B6``, ``='Sheet'!$A$1``) in OpenFormula (``of:=[.B8]/[.B6]``).

    Only references outside string literals are rewritten; the layout's formulas are arithmetic
    over cell references, composed by xlplugin (never text from the input)."""
    body = formula[1:] if formula.startswith("=") else formula
    parts = re.split(r'("(?:[^"]|"")*")', body)
    for i in range(0, len(parts), 2):

        def ref(m: re.Match) -> str:
            quoted, bare, first, last = m.groups()
            sheet = unquote_sheet(f"'{quoted}'") if quoted is not None else bare
            prefix = "$" + quote_sheet(sheet) if sheet is not None else ""
            out = f"{prefix}.{first}"
            if last:
                out += f":{prefix}.{last}" if sheet is not None else f":.{last}"
            return f"[{out}]"

        # OpenFormula separates function arguments with ';' (commas inside quoted sheet names stay)
        parts[i] = re.sub(r"('(?:[^']|'')*')|,", lambda m: m.group(1) or ";", parts[i])
        parts[i] = _REF.sub(ref, parts[i])
    return "of:=" + "".join(parts)


def _link_target(link: str) -> str:
    """``#'Sheet'!A1`` (Excel) -> ``#'Sheet'.A1`` (ODF); URLs unchanged."""
    if link.startswith("#"):
        sheet, _, cell = link[1:].rpartition("!")
        return "#" + (f"{sheet}.{cell}" if sheet else cell)
    return link


class _Styles:
    """Automatic column, row and cell styles, named in order of first use."""

    def __init__(self) -> None:
        self.columns: dict[str, str] = {}
        self.rows: dict[tuple[float | None, bool], str] = {}

    def column(self, width: float) -> str:
        length = column_width_cm(width)
        if length not in self.columns:
            self.columns[length] = f"co{len(self.columns) + 1}"
        return self.columns[length]

    def row(self, height: float | None, page_break: bool = False) -> str:
        """A row style: `height` in points (None: the default height), starting a printed page if `page_break`."""
        key = (height, page_break)
        if key not in self.rows:
            self.rows[key] = f"ro{len(self.rows) + 1}"
        return self.rows[key]

    def xml(self) -> str:
        out = [
            f'<style:style style:name="{name}" style:family="table-column"><style:table-column-properties '
            f'fo:break-before="auto" style:column-width="{length}"/></style:style>'
            for length, name in self.columns.items()
        ]
        out += [
            f'<style:style style:name="{name}" style:family="table-row"><style:table-row-properties '
            + (
                f'style:row-height="{_cm(height)}" style:use-optimal-row-height="false" '
                if height is not None
                else 'style:use-optimal-row-height="true" '
            )
            + f'fo:break-before="{"page" if page_break else "auto"}"/></style:style>'
            for (height, page_break), name in self.rows.items()
        ]
        for orientation in ("portrait", "landscape"):
            for suffix, master in (("", ""), ("_page", "Page")):  # _page: fitted to one whole page
                out.append(
                    f'<style:style style:name="ta_{orientation}{suffix}" style:family="table" '
                    f'style:master-page-name="{orientation.title()}{master}"><style:table-properties '
                    'table:display="true" style:writing-mode="lr-tb"/></style:style>'
                )
        out.append(
            '<style:style style:name="frame" style:family="graphic"><style:graphic-properties draw:stroke="none" '
            'draw:fill="none"/></style:style>'
        )
        out += list(_DATA_STYLES.values())
        for name, props in _CELL_STYLES.items():
            out.append(
                f'<style:style style:name="{name}" style:family="table-cell" style:parent-style-name="Default">'
                f"{props}</style:style>"
            )
        for kind, data in _DATA_STYLE_NAMES.items():
            out.append(
                f'<style:style style:name="num_{kind}" style:family="table-cell" style:parent-style-name="Default" '
                f'style:data-style-name="{data}">{_TOP}</style:style>'
            )
        return "".join(out)


def _cell_style(cell: Cell, numeric_column: bool, indented: bool) -> str:
    if cell.link:
        return "link"
    if cell.is_number:
        return f"num_{cell.kind}" if cell.kind in _DATA_STYLE_NAMES else "wrap"
    if cell.kind == SHORT and numeric_column:
        return "short"
    return "wrap_indented" if indented else "wrap"


def _value_attrs(cell: Cell) -> str:
    value = cell.value
    number = repr(float(value)) if isinstance(value, float) else str(value)
    if cell.kind == RATE:
        return f'office:value-type="percentage" office:value="{number}"'
    return f'office:value-type="float" office:value="{number}"'


def _string_cell(text: str, style: str, link: str | None = None, extra: str = "") -> str:
    if link:
        target = esc(_link_target(link))
        inner = paragraphs(text, inline=True)
        body = f'<text:p><text:a xlink:href="{target}" xlink:type="simple">{inner}</text:a></text:p>'
    else:
        body = paragraphs(text)
    return f'<table:table-cell table:style-name="{style}" office:value-type="string">{body}{extra}</table:table-cell>'


def _cell_xml(cell: Cell, style: str, publish: bool) -> str:
    if cell.link or not cell.is_number:
        return _string_cell(str(cell.value), style, cell.link)
    formula = ""
    if cell.formula and not publish:
        formula = f' table:formula="{esc(of_formula(cell.formula))}"'
    return f'<table:table-cell table:style-name="{style}"{formula} {_value_attrs(cell)}/>'


def _sheet_xml(sheet: Sheet, styles: _Styles, publish: bool, chart_href: str | None) -> str:
    rows: dict[int, dict[int, str]] = {}
    heights: dict[int, float] = {0: 21}
    is_cover = sheet.key == "cover"
    rows[0] = {0: _string_cell(sheet.title, "Heading_20_1")}
    rows[1] = {0: _string_cell(sheet.description, "cover_body" if is_cover else "body")}
    if is_cover and sheet.first_col_width:
        height = row_height([(sheet.description, sheet.first_col_width)])
        if height:
            heights[1] = height
    for i, line in enumerate(sheet.lines):
        r = 2 + i
        if line.link:
            rows[r] = {0: _string_cell(line.text, "link", line.link)}
        elif line.style == HEADING2:
            rows[r] = {0: _string_cell(line.text, "Heading_20_2")}
            heights[r] = 21 if is_cover else 18
        else:
            rows[r] = {0: _string_cell(line.text, "cover_body" if is_cover else "body")}
            if is_cover and sheet.first_col_width:
                height = row_height([(line.text, sheet.first_col_width)])
                if height:
                    heights[r] = height
    widths: dict[int, float] = {}
    if sheet.first_col_width:
        widths[0] = sheet.first_col_width
    table = sheet.table
    if table is not None:
        for j, width in enumerate(table.widths):
            widths[table.left + j] = width
        n = len(table.headers)
        numeric = [
            any(r[j].is_number for r in table.rows) or all(r[j].kind == SHORT for r in table.rows) for j in range(n)
        ]
        indented = [j > 0 and not numeric[j] and numeric[j - 1] for j in range(n)]
        header_row = rows.setdefault(table.top, {})
        for j, header in enumerate(table.headers):
            style = "header_numeric" if numeric[j] else "header_indented" if indented[j] else "header"
            header_row[table.left + j] = _string_cell(header, style)
        all_widths = list(table.widths) + [8.43] * (n - len(table.widths))
        height = row_height(list(zip(table.headers, all_widths, strict=True)))
        if height:
            heights[table.top] = height
        for i, row in enumerate(table.rows):
            r = table.first_data_row + i
            row_cells = rows.setdefault(r, {})
            for j, cell in enumerate(row):
                row_cells[table.left + j] = _cell_xml(cell, _cell_style(cell, numeric[j], indented[j]), publish)
            height = row_height([(str(c.value), w) for c, w in zip(row, all_widths, strict=False) if not c.is_number])
            if height:
                heights[r] = height
    if sheet.chart is not None and chart_href is not None:
        chart = sheet.chart
        frame = (
            f'<draw:frame draw:z-index="0" draw:style-name="frame" draw:name="{esc(chart.title)}" '
            f'svg:width="{chart.width / 96 * 2.54:.3f}cm" '
            f'svg:height="{chart.height / 96 * 2.54:.3f}cm" svg:x="0cm" svg:y="0cm">'
            f'<draw:object draw:notify-on-update-of-ranges="{esc(" ".join(chart_ranges(chart)))}" '
            f'xlink:href="./{esc(chart_href)}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
            f"<svg:title>{esc(chart.title)}</svg:title><svg:desc>{esc(chart.alt_text)}</svg:desc></draw:frame>"
        )
        cells = rows.setdefault(chart.row, {})
        existing = cells.get(chart.col, "<table:table-cell/>")
        if existing.endswith("/>"):
            cells[chart.col] = existing[:-2] + ">" + frame + "</table:table-cell>"
        else:
            cells[chart.col] = existing[: -len("</table:table-cell>")] + frame + "</table:table-cell>"
    orientation = "landscape" if sheet.landscape else "portrait"
    plan = print_plan(sheet, heights)  # as the xlsx prints: no chart split across pages
    page_break = break_row(sheet) if plan == BREAK else None
    if page_break is not None:
        rows.setdefault(page_break, {})
    suffix = "_page" if plan == FIT_PAGE else ""
    out = [f'<table:table table:name="{esc(sheet.name)}" table:style-name="ta_{orientation}{suffix}">']
    last_col = max([c for r in rows.values() for c in r] + list(widths) + [0])
    for col in range(last_col + 1):
        style = styles.column(widths.get(col, 8.43))
        out.append(f'<table:table-column table:style-name="{style}" table:default-cell-style-name="Default"/>')
    previous = -1
    for r in sorted(rows):
        if r > previous + 1:
            out.append(
                f'<table:table-row table:number-rows-repeated="{r - previous - 1}">'
                "<table:table-cell/></table:table-row>"
            )
        if r == page_break:
            style = f' table:style-name="{styles.row(heights.get(r), True)}"'
        else:
            style = f' table:style-name="{styles.row(heights[r])}"' if r in heights else ""
        out.append(f"<table:table-row{style}>")
        if not rows[r]:
            out.append("<table:table-cell/>")
        previous_col = -1
        for c in sorted(rows[r]):
            if c > previous_col + 1:
                gap = c - previous_col - 1
                out.append(
                    f'<table:table-cell table:number-columns-repeated="{gap}"/>' if gap > 1 else "<table:table-cell/>"
                )
            out.append(rows[r][c])
            previous_col = c
        out.append("</table:table-row>")
        previous = r
    out.append("</table:table>")
    return "".join(out)


def _content_xml(layout: Layout, hrefs: dict[str, str]) -> str:
    styles = _Styles()
    tables = [_sheet_xml(s, styles, layout.publish, hrefs.get(s.key)) for s in layout.sheets]
    named = "".join(
        f'<table:named-range table:name="{esc(ownership.sheet_defined_name(s.key))}" '
        f'table:base-cell-address="{esc(cell_address(s.name, 0, 0, absolute=True))}" '
        f'table:cell-range-address="{esc(cell_address(s.name, 0, 0, absolute=True))}"/>'
        for s in layout.sheets
    )
    ranges = "".join(
        f'<table:database-range table:name="{esc(s.table.name)}" table:target-range-address="'
        f'{esc(range_address(s.name, s.table.top, s.table.left, s.table.last_row, s.table.last_col))}" '
        'table:contains-header="true" table:display-filter-buttons="false"/>'
        for s in layout.sheets
        if s.table is not None
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS_ATTRS} office:version="1.3">'
        f'<office:font-face-decls><style:font-face style:name="{FONT}" svg:font-family="{FONT}" '
        'style:font-family-generic="swiss" style:font-pitch="variable"/></office:font-face-decls>'
        f"<office:automatic-styles>{styles.xml()}</office:automatic-styles>"
        f"<office:body><office:spreadsheet>{''.join(tables)}"
        f"<table:named-expressions>{named}</table:named-expressions>"
        f"<table:database-ranges>{ranges}</table:database-ranges>"
        "</office:spreadsheet></office:body></office:document-content>"
    )


def _styles_xml(language: str) -> str:
    lang, _, country = language.partition("-")
    locale = f'fo:language="{esc(lang)}"' + (f' fo:country="{esc(country)}"' if country else "")
    text = (
        f'<style:text-properties style:font-name="{FONT}" fo:font-size="{FONT_SIZE}pt" {locale} '
        f'style:font-size-asian="{FONT_SIZE}pt" style:font-size-complex="{FONT_SIZE}pt"/>'
    )
    # pl_<o>: one page wide, rows run on; pl_<o>_page: the whole sheet on one page (xlsx fitToPage 1x1)
    page = (
        '<style:page-layout style:name="pl_{o}{s}"><style:page-layout-properties fo:page-width="{w}" '
        'fo:page-height="{h}" style:print-orientation="{o}" fo:margin-top="1.524cm" fo:margin-bottom="1.524cm" '
        'fo:margin-left="1.27cm" fo:margin-right="1.27cm" style:scale-to-X="1" style:scale-to-Y="{y}" '
        'style:print-page-order="ttb" style:print="objects charts drawings"/></style:page-layout>'
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS_ATTRS} office:version="1.3">'
        f'<office:font-face-decls><style:font-face style:name="{FONT}" svg:font-family="{FONT}" '
        'style:font-family-generic="swiss" style:font-pitch="variable"/></office:font-face-decls>'
        "<office:styles>"
        f'<style:default-style style:family="table-cell">{text}</style:default-style>'
        f'<style:style style:name="Default" style:family="table-cell">{text}</style:style>'
        '<style:style style:name="Heading" style:family="table-cell" style:parent-style-name="Default">'
        '<style:text-properties fo:font-weight="bold" style:font-weight-asian="bold" '
        'style:font-weight-complex="bold"/></style:style>'
        '<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="table-cell" '
        'style:parent-style-name="Heading"><style:text-properties fo:font-size="15pt" '
        'style:font-size-asian="15pt" style:font-size-complex="15pt"/></style:style>'
        '<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="table-cell" '
        'style:parent-style-name="Heading"><style:text-properties fo:font-size="13pt" '
        'style:font-size-asian="13pt" style:font-size-complex="13pt"/></style:style>'
        "</office:styles><office:automatic-styles>"
        + "".join(
            page.format(o=o, w=w, h=h, s=suffix, y=y)
            for o, w, h in (("portrait", "21cm", "29.7cm"), ("landscape", "29.7cm", "21cm"))
            for suffix, y in (("", 0), ("_page", 1))
        )
        + "</office:automatic-styles><office:master-styles>"
        '<style:master-page style:name="Portrait" style:page-layout-name="pl_portrait"/>'
        '<style:master-page style:name="Landscape" style:page-layout-name="pl_landscape"/>'
        '<style:master-page style:name="PortraitPage" style:page-layout-name="pl_portrait_page"/>'
        '<style:master-page style:name="LandscapePage" style:page-layout-name="pl_landscape_page"/>'
        '<style:master-page style:name="Default" style:page-layout-name="pl_portrait"/>'
        "</office:master-styles></office:document-styles>"
    )


def _meta_xml(layout: Layout) -> str:
    from xlplugin import __version__

    props = layout.properties
    created = props.get("created")
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ") if created is not None else None
    items = [f"<meta:generator>xlplugin/{esc(__version__)}</meta:generator>"]
    for key, element in (("title", "dc:title"), ("subject", "dc:subject"), ("comments", "dc:description")):
        if props.get(key):
            items.append(f"<{element}>{esc(str(props[key]))}</{element}>")
    if props.get("author"):
        items.append(f"<meta:initial-creator>{esc(str(props['author']))}</meta:initial-creator>")
        items.append(f"<dc:creator>{esc(str(props['author']))}</dc:creator>")
    for word in str(props.get("keywords") or "").split(","):
        if word.strip():
            items.append(f"<meta:keyword>{esc(word.strip())}</meta:keyword>")
    if stamp:
        items.append(f"<meta:creation-date>{stamp}</meta:creation-date><dc:date>{stamp}</dc:date>")
    items.append(f"<dc:language>{esc(layout.language)}</dc:language>")
    for name, value in layout.custom_properties:
        items.append(
            f'<meta:user-defined meta:name="{esc(name)}" meta:value-type="string">{esc(value)}</meta:user-defined>'
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {NS_ATTRS} office:version="1.3">'
        f"<office:meta>{''.join(items)}</office:meta></office:document-meta>"
    )


def _settings_xml(layout: Layout) -> str:
    """Open at the cover, cursor in A1 on every sheet, no gridlines on the cover."""
    tables = "".join(
        f'<config:config-item-map-entry config:name="{esc(s.name)}">'
        '<config:config-item config:name="CursorPositionX" config:type="int">0</config:config-item>'
        '<config:config-item config:name="CursorPositionY" config:type="int">0</config:config-item>'
        f'<config:config-item config:name="ShowGrid" config:type="boolean">{"false" if s.key == "cover" else "true"}'
        "</config:config-item></config:config-item-map-entry>"
        for s in layout.sheets
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-settings {NS_ATTRS} office:version="1.3">'
        '<office:settings><config:config-item-set config:name="ooo:view-settings">'
        '<config:config-item-map-indexed config:name="Views"><config:config-item-map-entry>'
        '<config:config-item config:name="ViewId" config:type="string">view1</config:config-item>'
        f'<config:config-item-map-named config:name="Tables">{tables}</config:config-item-map-named>'
        f'<config:config-item config:name="ActiveTable" config:type="string">{esc(layout.sheets[0].name)}'
        "</config:config-item></config:config-item-map-entry></config:config-item-map-indexed>"
        "</config:config-item-set></office:settings></office:document-settings>"
    )


def _manifest_xml(objects: list[str]) -> str:
    entries = [f'<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="{MIMETYPE}"/>']
    for part in ("content.xml", "styles.xml", "meta.xml", "settings.xml"):
        entries.append(f'<manifest:file-entry manifest:full-path="{part}" manifest:media-type="text/xml"/>')
    for obj in objects:
        entries.append(
            f'<manifest:file-entry manifest:full-path="{esc(obj)}/" manifest:version="1.3" '
            'manifest:media-type="application/vnd.oasis.opendocument.chart"/>'
        )
        for part in ("content.xml", "styles.xml"):
            entries.append(
                f'<manifest:file-entry manifest:full-path="{esc(obj)}/{part}" manifest:media-type="text/xml"/>'
            )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        f"{''.join(entries)}</manifest:manifest>"
    )


def _write(package: zipfile.ZipFile, name: str, data: str | bytes, compress: bool = True) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    package.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)


def render(layout: Layout) -> bytes:
    """The workbook as .ods bytes: content, styles, meta, settings and one object per chart."""
    hrefs: dict[str, str] = {}
    objects: list[tuple[str, tuple[str, str]]] = []
    cells = sheet_cells(layout.sheets) if any(s.chart is not None for s in layout.sheets) else {}
    for sheet in layout.sheets:
        if sheet.chart is not None:
            name = f"Object {len(objects) + 1}"
            hrefs[sheet.key] = name
            objects.append((name, chart_object(sheet.chart, layout.language, cells)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        _write(package, "mimetype", MIMETYPE, compress=False)  # first and stored: the ODF signature
        _write(package, "content.xml", _content_xml(layout, hrefs))
        _write(package, "styles.xml", _styles_xml(layout.language))
        _write(package, "meta.xml", _meta_xml(layout))
        _write(package, "settings.xml", _settings_xml(layout))
        for name, (content, styles) in objects:
            _write(package, f"{name}/content.xml", content)
            _write(package, f"{name}/styles.xml", styles)
        _write(package, "META-INF/manifest.xml", _manifest_xml([name for name, _ in objects]))
    return buffer.getvalue()
