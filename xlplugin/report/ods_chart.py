"""A layout `Chart` as a native ODF chart object (the ``Object N/`` sub-document of an .ods).

Why native charts rather than pictures: the bars, error bars and funnel-plot limits read their
figures from the sheet's cells, so the chart and its table can never disagree, and a screen
reader gets the frame's title and description (set in `ods`). The markup follows what
LibreOffice itself writes for the same charts: a horizontal bar chart is ``chart:bar`` with
``chart:vertical="true"``; its category axis (ODF's x axis) is reversed so the first stage is
at the top, and the value axis then sits at the axis's end; error bars are ``cell-range``
error indicators over the table's "CI upper minus rate" and "rate minus CI lower" columns.
"""

from __future__ import annotations

from xlplugin.report.model import Axis, Chart, Range, Series
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


def _series(styles: _ChartStyles, chart: Chart, s: Series) -> str:
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
    return out + error + "</chart:series>"


def chart_object(chart: Chart, language: str = "en-GB") -> tuple[str, str]:
    """(content.xml, styles.xml) of the chart's ODF sub-document."""
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
    series = "".join(_series(styles, chart, s) for s in chart.series)
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
        "</chart:chart></office:chart></office:body></office:document-content>"
    )
    chart_styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS_ATTRS} office:version="1.3">'
        '<office:styles><draw:stroke-dash draw:name="xlp_dash" draw:style="rect" draw:dots1="1" '
        'draw:dots1-length="0.25cm" draw:distance="0.12cm"/>'
        '<draw:stroke-dash draw:name="xlp_dot" draw:style="round" draw:dots1="1" draw:dots1-length="0.02cm" '
        'draw:distance="0.1cm"/></office:styles></office:document-styles>'
    )
    return content, chart_styles
