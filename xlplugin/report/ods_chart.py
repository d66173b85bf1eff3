"""A layout `Chart` as a native ODF chart object (the ``Object N/`` sub-document of an .ods).

Why native charts rather than pictures: the bars, error bars and funnel-plot limits read their
figures from the sheet's cells, so the chart and its table can never disagree, and a screen
reader gets the frame's title and description (set in `ods`). The markup follows what
LibreOffice itself writes for the same charts: a horizontal bar chart is ``chart:bar`` with
``chart:vertical="true"``; its category axis (ODF's x axis) is reversed so the first stage is
at the top, and the value axis then sits at the axis's end; error bars are ``cell-range``
error indicators over the table's "CI upper minus rate" and "rate minus CI lower" columns.

An invalid point (a numerator not a subset of its denominator) is hatched with a dashed outline,
as in the xlsx, so it is told apart without colour. Two things make the chart stand on its own,
as LibreOffice writes them: points with a text label of their own (the funnel plot's programme
names, the denominators chart's bar labels) carry it as ``<chart:data-label>`` text of their
``<chart:data-point>``; and the chart document holds a
cached copy of every value it draws (its own ``table:table`` named "local-table", one column per
range, each headed by the range's address in ``svg:desc``), so a viewer that does not recalculate,
or reads the chart object alone, still draws the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from xlplugin.report.model import Axis, Cell, Chart, Range, Series, Sheet
from xlplugin.report.odf import NS_ATTRS, cell_address, esc, range_address
from xlplugin.report.textfit import FONT

_BAR_COLOUR = "#1f4e79"
#: (stroke, width, colour, dash) per line style of a scatter series.
_CLASS = {"bar": "chart:bar", "line": "chart:line", "scatter": "chart:scatter"}
_LINES = {
    "line": ("solid", "0.053cm", "#000000", None),
    "dashed": ("dash", "0.044cm", "#404040", "xlp_dash"),
    "dotted": ("dash", "0.044cm", "#404040", "xlp_dot"),
}
_NUMBER_STYLES = {
    "#,##0": '<number:number number:decimal-places="0" number:min-decimal-places="0" number:min-integer-digits="1" '
    'number:grouping="true"/>',
    "0%": '<number:number number:decimal-places="0" number:min-decimal-places="0" number:min-integer-digits="1"/>'
    "<number:text>%</number:text>",
    "0.0%": '<number:number number:decimal-places="1" number:min-decimal-places="1" number:min-integer-digits="1"/>'
    "<number:text>%</number:text>",
}


#: (sheet name, 0-based row, 0-based column) -> the layout's cell there: what the charts' cached
#: data and point labels read.
Cells = Mapping[tuple[str, int, int], Cell]


def sheet_cells(sheets: Iterable[Sheet]) -> dict[tuple[str, int, int], Cell]:
    """Every cell the layout puts on its sheets: title (A1), description (A2), lines, the table."""
    out: dict[tuple[str, int, int], Cell] = {}
    for sheet in sheets:
        out[sheet.name, 0, 0] = Cell(sheet.title)
        out[sheet.name, 1, 0] = Cell(sheet.description)
        for i, line in enumerate(sheet.lines):
            out[sheet.name, 2 + i, 0] = Cell(line.text)
        table = sheet.table
        if table is not None:
            for j, header in enumerate(table.headers):
                out[sheet.name, table.top, table.left + j] = Cell(header)
            for i, row in enumerate(table.rows):
                for j, cell in enumerate(row):
                    out[sheet.name, table.first_data_row + i, table.left + j] = cell
    return out


def _address(r: Range) -> str:
    return range_address(r.sheet, r.first_row, r.first_col, r.last_row, r.last_col)


def chart_ranges(chart: Chart) -> list[str]:
    """Every cell range the chart reads (for the frame's update notification), in order."""
    out: list[str] = []
    for s in chart.series:
        out.append(cell_address(*s.name_cell))
        for r in (s.categories, s.values, s.error_plus, s.error_minus):
            if r is not None:
                out.append(_address(r))
    return list(dict.fromkeys(out))


def _text(size: int, bold: bool = False, language: str = "en-GB") -> str:
    lang, _, country = language.partition("-")
    weight = ' fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"' if bold else ""
    locale = f' fo:language="{esc(lang)}"' + (f' fo:country="{esc(country)}"' if country else "")
    return (
        f'<style:text-properties fo:font-family="{FONT}" fo:font-size="{size}pt" style:font-size-asian="{size}pt" '
        f'style:font-size-complex="{size}pt"{weight}{locale}/>'
    )


class _ChartStyles:
    def __init__(self, language: str) -> None:
        self.items: list[str] = []
        self.numbers: dict[str, str] = {}
        self.language = language

    def number(self, code: str | None) -> str | None:
        if code is None or code not in _NUMBER_STYLES:
            return None
        if code not in self.numbers:
            name = f"N{len(self.numbers) + 1}"
            element = "number:percentage-style" if code.endswith("%") else "number:number-style"
            self.items.append(f'<{element} style:name="{name}">{_NUMBER_STYLES[code]}</{element}>')
            self.numbers[code] = name
        return self.numbers[code]

    def add(self, chart_props: str = "", graphic: str = "", text: str = "", data_style: str | None = None) -> str:
        name = f"ch{sum(1 for i in self.items if i.startswith('<style:style')) + 1}"
        data = f' style:data-style-name="{data_style}"' if data_style else ""
        body = ""
        if chart_props:
            body += f"<style:chart-properties {chart_props}/>"
        if graphic:
            body += f"<style:graphic-properties {graphic}/>"
        body += text
        self.items.append(f'<style:style style:name="{name}" style:family="chart"{data}>{body}</style:style>')
        return name


def _axis(
    styles: _ChartStyles,
    dimension: str,
    axis: Axis,
    *,
    categories: Range | None,
    position: str,
    grid: bool,
    upright: bool,
) -> str:
    """One axis; `upright` when it is drawn vertically (its title is then turned 90 degrees)."""
    props = [f'chart:display-label="true" chart:reverse-direction="{"true" if axis.reverse else "false"}"']
    if axis.minimum is not None:
        props.append(f'chart:minimum="{axis.minimum!r}"')
    if axis.maximum is not None:
        props.append(f'chart:maximum="{axis.maximum!r}"')
    data_style = styles.number(axis.num_format)
    props.append(f'chart:link-data-style-to-source="{"false" if data_style else "true"}"')
    props.append(f'chart:axis-position="{position}" chart:tick-mark-position="at-axis"')
    style = styles.add(
        " ".join(props),
        'svg:stroke-width="0.026cm" svg:stroke-color="#878787"',
        _text(10, language=styles.language),
        data_style,
    )
    title_style = styles.add(
        f'chart:auto-position="true" style:rotation-angle="{90 if upright else 0}"',
        text=_text(11, language=styles.language),
    )
    out = f'<chart:axis chart:dimension="{dimension}" chart:name="primary-{dimension}" chart:style-name="{style}">'
    out += f'<chart:title chart:style-name="{title_style}"><text:p>{esc(axis.title)}</text:p></chart:title>'
    if categories is not None:
        out += f'<chart:categories table:cell-range-address="{esc(_address(categories))}"/>'
    if grid:
        grid_style = styles.add(graphic='svg:stroke-width="0.026cm" svg:stroke-color="#d9d9d9"')
        out += f'<chart:grid chart:style-name="{grid_style}" chart:class="major"/>'
    return out + "</chart:axis>"


def _range_cells(r: Range, cells: Cells) -> list[Cell | None]:
    return [
        cells.get((r.sheet, row, col))
        for row in range(r.first_row, r.last_row + 1)
        for col in range(r.first_col, r.last_col + 1)
    ]


#: An invalid point (a numerator not a subset of its denominator): hatched, with a dashed outline,
#: so it is told apart without colour (as the xlsx's pattern fill and dashed border).
_INVALID_POINT = (
    'draw:fill="hatch" draw:fill-hatch-name="xlp_hatch" draw:fill-hatch-solid="true" draw:fill-color="#ffffff" '
    'draw:stroke="dash" draw:stroke-dash="xlp_dash" svg:stroke-width="0.053cm" svg:stroke-color="#000000"'
)


def _data_points(styles: _ChartStyles, chart: Chart, s: Series, cells: Cells) -> str:
    """One ``<chart:data-point>`` per point: its label the text of its label cell (as LibreOffice
    stores a custom label: ``chart:data-label`` with the text in a span), and an invalid point
    hatched (`_INVALID_POINT`)."""
    position = "outside" if chart.kind == "bar" else "right"
    label_props = f'chart:data-label-number="value" chart:label-position="{position}"' if s.point_labels else ""
    text = _text(9 if chart.kind == "scatter" else 10, language=styles.language) if s.point_labels else ""
    named: dict[bool, str] = {}
    out = []
    for i in range(max(len(s.point_labels), len(s.point_styles))):
        invalid = i < len(s.point_styles) and s.point_styles[i] == "invalid"
        if invalid not in named:
            named[invalid] = styles.add(label_props, _INVALID_POINT if invalid else "", text)
        label = ""
        if i < len(s.point_labels):
            cell = cells.get(s.point_labels[i])
            words = "" if cell is None else str(cell.value)
            label = f"<chart:data-label><text:p><text:span>{esc(words)}</text:span></text:p></chart:data-label>"
        out.append(f'<chart:data-point chart:style-name="{named[invalid]}">{label}</chart:data-point>')
    return "".join(out)


def _cached_cell(cell: Cell | None, address: str | None = None) -> str:
    """A cell of the chart's local table: the number (or text) the sheet's cell caches."""
    desc = f"<draw:g><svg:desc>{esc(address)}</svg:desc></draw:g>" if address else ""
    if cell is None or cell.value == "":
        return f"<table:table-cell><text:p/>{desc}</table:table-cell>"
    if cell.is_number:
        number = repr(float(cell.value))
        return (
            f'<table:table-cell office:value-type="float" office:value="{number}"><text:p>{number}</text:p>'
            f"{desc}</table:table-cell>"
        )
    text = esc(str(cell.value))
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p>{desc}</table:table-cell>'


def local_table(chart: Chart, cells: Cells) -> str:
    """The chart's cached data, as LibreOffice writes it: a ``table:table`` named "local-table" whose
    header column holds the categories (a bar or line chart) or the point numbers (a scatter chart),
    then per series its x values (scatter), its values and its error-bar columns. The first data
    row's cells name each column's range in ``svg:desc``; header cells name the series' name cell."""
    columns: list[tuple[str, str | None, Range]] = []  # (header text, header's address, range)
    for s in chart.series:
        name_cell = cells.get(s.name_cell)
        name = "" if name_cell is None else str(name_cell.value)
        if chart.kind == "scatter" and s.categories is not None:
            x_header = cells.get((s.categories.sheet, s.categories.first_row - 1, s.categories.first_col))
            columns.append(("" if x_header is None else str(x_header.value), None, s.categories))
        columns.append((name, cell_address(*s.name_cell), s.values))
        for r in (s.error_plus, s.error_minus):
            if r is not None:
                header = cells.get((r.sheet, r.first_row - 1, r.first_col))
                columns.append(("" if header is None else str(header.value), None, r))
    data = [_range_cells(r, cells) for _, _, r in columns]
    first = chart.series[0]
    categories = _range_cells(first.categories, cells) if chart.kind != "scatter" and first.categories else []
    n = max([len(d) for d in data] + [len(categories)])
    head = "<table:table-cell><text:p/></table:table-cell>" + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{esc(text)}</text:p>'
        + (f"<draw:g><svg:desc>{esc(address)}</svg:desc></draw:g>" if address else "")
        + "</table:table-cell>"
        for text, address, _ in columns
    )
    rows = []
    for i in range(n):
        if categories:
            label = _cached_cell(
                categories[i] if i < len(categories) else None,
                _address(first.categories) if i == 0 and first.categories is not None else None,
            )
        else:
            label = f'<table:table-cell office:value-type="string"><text:p>{i + 1}</text:p></table:table-cell>'
        body = "".join(
            _cached_cell(d[i] if i < len(d) else None, _address(r) if i == 0 else None)
            for d, (_, _, r) in zip(data, columns, strict=True)
        )
        rows.append(f"<table:table-row>{label}{body}</table:table-row>")
    return (
        '<table:table table:name="local-table"><table:table-header-columns><table:table-column/>'
        f'</table:table-header-columns><table:table-columns><table:table-column table:number-columns-repeated="'
        f'{len(columns)}"/></table:table-columns><table:table-header-rows><table:table-row>{head}</table:table-row>'
        f"</table:table-header-rows><table:table-rows>{''.join(rows)}</table:table-rows></table:table>"
    )


def _series(styles: _ChartStyles, chart: Chart, s: Series, cells: Cells) -> str:
    kind = _CLASS.get(chart.kind, "chart:scatter")
    props: list[str] = []
    graphic = ""
    data_style = None
    error = ""
    if s.style == "bar":
        graphic = f'draw:stroke="none" draw:fill="solid" draw:fill-color="{s.colour or _BAR_COLOUR}"'
    elif s.style == "trend":  # a line with markers (periods): each series its own symbol and colour
        symbol = {"circle": "circle", "square": "square", "triangle": "arrow-up", "diamond": "diamond"}.get(s.marker)
        props.append(f'chart:symbol-type="named-symbol" chart:symbol-name="{symbol or "circle"}" '
                     'chart:symbol-width="0.282cm" chart:symbol-height="0.282cm"')  # fmt: skip
        colour = s.colour or _BAR_COLOUR
        graphic = f'draw:stroke="solid" svg:stroke-width="0.053cm" svg:stroke-color="{colour}" '
        graphic += f'draw:fill-color="{colour}"'
    elif s.style == "points":
        props.append('chart:symbol-type="named-symbol" chart:symbol-name="circle" chart:symbol-width="0.282cm" '
                     'chart:symbol-height="0.282cm"')  # fmt: skip
        graphic = f'draw:stroke="none" draw:fill="solid" draw:fill-color="{_BAR_COLOUR}"'  # points, no line
    else:
        stroke, width, colour, dash = _LINES[s.style]
        props.append('chart:symbol-type="none"')
        graphic = f'draw:stroke="{stroke}" svg:stroke-width="{width}" svg:stroke-color="{colour}"'
        if dash:
            graphic += f' draw:stroke-dash="{dash}"'
    if s.labels:
        data_style = styles.number({"bar": chart.x_axis.num_format, "line": chart.y_axis.num_format}.get(chart.kind))
        props.append('chart:data-label-number="value" chart:label-position="outside"')
        props.append(f'chart:link-data-style-to-source="{"false" if data_style else "true"}"')
    if s.error_plus is not None and s.error_minus is not None:
        ranges = (
            f'chart:error-category="cell-range" chart:error-upper-range="{esc(_address(s.error_plus))}" '
            f'chart:error-lower-range="{esc(_address(s.error_minus))}"'
        )
        props.append(ranges)
        indicator = styles.add(
            f'chart:error-upper-indicator="true" chart:error-lower-indicator="true" {ranges}',
            'draw:stroke="solid" svg:stroke-width="0.044cm" svg:stroke-color="#000000"',
        )
        error = f'<chart:error-indicator chart:style-name="{indicator}" chart:dimension="y"/>'
    text = _text(9 if s.point_labels else 10, language=styles.language)
    style = styles.add(" ".join(props), graphic, text, data_style)
    out = (
        f'<chart:series chart:style-name="{style}" chart:values-cell-range-address="{esc(_address(s.values))}" '
        f'chart:label-cell-address="{esc(cell_address(*s.name_cell))}" chart:class="{kind}">'
    )
    if chart.kind == "scatter" and s.categories is not None:
        out += f'<chart:domain table:cell-range-address="{esc(_address(s.categories))}"/>'
    points = _data_points(styles, chart, s, cells) if s.point_labels or s.point_styles else ""
    return out + error + points + "</chart:series>"


def chart_object(chart: Chart, language: str = "en-GB", cells: Cells | None = None) -> tuple[str, str]:
    """(content.xml, styles.xml) of the chart's ODF sub-document; `cells` (see `sheet_cells`) gives
    the point labels' text and the cached data."""
    cells = {} if cells is None else cells
    styles = _ChartStyles(language)
    root_style = styles.add(graphic='draw:stroke="none" draw:fill="none"')
    title_style = styles.add('chart:auto-position="true"', text=_text(13, bold=True, language=language))
    bar = chart.kind == "bar"
    plot_props = 'chart:include-hidden-cells="false" chart:auto-position="true" chart:auto-size="true"'
    plot_props += ' chart:treat-empty-cells="leave-gap"'
    if bar:
        plot_props += ' chart:vertical="true"'
    plot_style = styles.add(plot_props)
    first = chart.series[0]
    if bar:
        # ODF's x axis is the category axis; the layout (like XlsxWriter) names the value axis x for bars
        x = _axis(styles, "x", chart.y_axis, categories=first.categories, position="0", grid=False, upright=True)
        end = "end" if chart.y_axis.reverse else "0"
        y = _axis(styles, "y", chart.x_axis, categories=None, position=end, grid=True, upright=False)
    else:
        categories = first.categories if chart.kind == "line" else None  # a line chart's x axis is its periods
        x = _axis(styles, "x", chart.x_axis, categories=categories, position="0", grid=False, upright=False)
        y = _axis(styles, "y", chart.y_axis, categories=None, position="0", grid=True, upright=True)
    series = "".join(_series(styles, chart, s, cells) for s in chart.series)
    legend = ""
    if chart.legend:
        legend_style = styles.add(graphic='draw:stroke="none" draw:fill="none"', text=_text(10, language=language))
        legend = (
            f'<chart:legend chart:legend-position="bottom" style:legend-expansion="wide" '
            f'chart:style-name="{legend_style}"/>'
        )
    wall = styles.add(graphic='draw:fill="none" draw:stroke="none"')
    width, height = chart.width / 96 * 2.54, chart.height / 96 * 2.54
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS_ATTRS} office:version="1.3">'
        f"<office:automatic-styles>{''.join(styles.items)}</office:automatic-styles>"
        f'<office:body><office:chart><chart:chart svg:width="{width:.3f}cm" svg:height="{height:.3f}cm" '
        f'chart:class="{_CLASS.get(chart.kind, "chart:scatter")}" chart:style-name="{root_style}">'
        f'<chart:title chart:style-name="{title_style}"><text:p>{esc(chart.title)}</text:p></chart:title>'
        f"{legend}"
        f'<chart:plot-area chart:style-name="{plot_style}" table:cell-range-address="'
        f'{esc(" ".join(_address(s.values) for s in chart.series))}" chart:data-source-has-labels="none">'
        f'{x}{y}{series}<chart:wall chart:style-name="{wall}"/></chart:plot-area>'
        f"{local_table(chart, cells)}</chart:chart></office:chart></office:body></office:document-content>"
    )
    chart_styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS_ATTRS} office:version="1.3">'
        '<office:styles><draw:stroke-dash draw:name="xlp_dash" draw:style="rect" draw:dots1="1" '
        'draw:dots1-length="0.25cm" draw:distance="0.12cm"/>'
        '<draw:stroke-dash draw:name="xlp_dot" draw:style="round" draw:dots1="1" draw:dots1-length="0.02cm" '
        'draw:distance="0.1cm"/><draw:hatch draw:name="xlp_hatch" draw:style="single" draw:color="#c00000" '
        'draw:distance="0.12cm" draw:rotation="450"/></office:styles></office:document-styles>'
    )
    return content, chart_styles
