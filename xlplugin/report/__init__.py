"""The FOI-summary workbook (`xlplugin report`), as a package with one module per idea.

- `layout`: funnel + spec -> the ordered parts of every owned sheet (pure; `refresh` reuses it),
  built by `sheet_funnel`, `sheet_denominators`, `sheet_claims`, `sheet_programmes` (several
  programmes, funnel plot) and `sheet_front` (cover, contents, notes, data) over `common`.
- `model`: the vocabulary of a layout (sheets, lines, one table, charts, cells).
- `xlsx`: render a layout to xlsx bytes with XlsxWriter, then add what XlsxWriter cannot (`_postpass`).
- `ownership`: how the workbook records what xlplugin owns (for `refresh`).
- `build`: validate, render in memory, write atomically; `examples` rebuilds workbooks/examples/.

Design note (why XlsxWriter plus a post-pass): XlsxWriter writes formula cached values (so
every viewer, including ones that never calculate, shows each rate), chart series caches
(numCache/strCache, which previewers and Protected View draw from), chart alt text
(`insert_chart(..., {"description": ...})`), tables without filter buttons
(`autofilter: False`), and files Excel opens without repair. openpyxl writes none of the
first three and adds filter buttons. XlsxWriter cannot edit an existing file (refresh works at
the package level instead), has no named cell styles and writes no document language, so a
small package-level post-pass (`xlsx._postpass`, through `ooxml.styles` and `ooxml.docprops`)
adds the built-in "Heading 1" (and "Heading 2") cell style, restyled with automatic colour and
no border, used by every sheet's A1 title, and `<dc:language>en-GB</dc:language>` in
docProps/core.xml. Error bars are given both
`plus_data`/`minus_data` (the caches) and range formulas (`plus_values`), since lists alone
would be written as literal numbers.
"""

from xlplugin.report.build import build_report, build_report_bytes, load_report_layout

__all__ = ["build_report", "build_report_bytes", "load_report_layout"]
