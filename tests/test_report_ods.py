"""The native ODS report: the same layout as the xlsx, written without LibreOffice.

Structure is read back with an independent ODF reader (tests/ods_reader.py); the LibreOffice
tests then open every .ods headless, recalculated and trusting the cached values, and compare
every number of every table with the core's (1e-9), exactly as for the xlsx
(tests/test_report_libreoffice.py, whose checks they reuse).
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import lo_harness as lo
import pytest
import test_report_libreoffice as xlsx_checks
from ods_reader import OdsBook, parse_range_address, q

from xlplugin.inputs.spec import load_input
from xlplugin.report import build_report, build_report_bytes
from xlplugin.report.ods import of_formula
from xlplugin.report.ownership import TABLE_NAMES

EXAMPLES = Path(__file__).parent / "data" / "examples"
MET = EXAMPLES / "met-2020-visits.toml"
PREVENT = EXAMPLES / "prevent-channel.csv"
STAMP = "2026-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ods")
    out = {}
    for case, (name, options) in xlsx_checks.CASES.items():
        for publish in (False, True):
            path = folder / f"{case}{'-publish' if publish else ''}.ods"
            source = xlsx_checks._input(folder, name)
            build_report(source, path, publish=publish, force=True, timestamp=STAMP, **options)
            out[case, publish] = path
    out["folder"] = folder
    return out


# ------------------------------------------------------------------------------------------
# Structure (no LibreOffice)


def test_package_is_an_ods(built):
    book = OdsBook(built["met", False])
    assert book.names[0] == "mimetype" and book.mimetype_info.compress_type == 0
    assert book.parts["mimetype"] == b"application/vnd.oasis.opendocument.spreadsheet"
    manifest = book.parts["META-INF/manifest.xml"].decode()
    assert 'manifest:full-path="/"' in manifest and "Object 1/" in manifest
    assert list(book.sheets) == ["Cover", "Contents", "Notes", "Funnel", "Funnel chart", "Denominators",
                                 "Denominators chart", "Claims", "Data"]  # fmt: skip


def test_every_table_is_a_database_range_with_one_header_row(built):
    book = OdsBook(built["prevent", False])
    names = [table.name for _, table in book.tables]
    from xlplugin.report import load_report_layout

    layout = load_report_layout(PREVENT, timestamp=STAMP)
    assert sorted(names) == sorted(s.table.name for s in layout.sheets if s.table is not None)
    assert {TABLE_NAMES["funnel"], TABLE_NAMES["denominators"]} <= set(names)
    for sheet, table in book.tables:
        assert table.contains_header == "true"
        top, left, bottom, right = table.bounds
        assert all(table.columns), (sheet, table.name, table.columns)
        assert bottom > top
        # the first body row holds values, not a second header
        header_cells = [book.sheets[sheet][top, c] for c in range(left, right + 1)]
        assert all(c.value_type == "string" for c in header_cells)


def test_titles_use_heading_1_and_document_says_title_and_language(built):
    book = OdsBook(built["met", False])
    for name, cells in book.sheets.items():
        assert cells[1, 1].style == "Heading_20_1", name
    styles = book.parts["styles.xml"].decode()
    assert 'style:name="Heading_20_1" style:display-name="Heading 1"' in styles
    meta = book.parts["meta.xml"].decode()
    assert "<dc:title>Met Police violence-suppression visits, 2020: uptake of diversion</dc:title>" in meta
    assert "<dc:language>en-GB</dc:language>" in meta
    assert "<meta:creation-date>2026-01-01T00:00:00Z</meta:creation-date>" in meta


def test_rates_are_formulas_with_cached_values_and_publish_writes_values(built):
    funnel = OdsBook(built["met", False]).sheets["Funnel"]
    formulas = {k: c for k, c in funnel.items() if c.formula}
    assert formulas, "no formulas in the Funnel sheet"
    visited = next(r for (r, c), cell in funnel.items() if c == 1 and cell.text == "Visited")
    rate = funnel[visited, 5]
    assert rate.formula == f"of:=[.B{visited}]/[.B{visited - 1}]"
    assert rate.value_type == "percentage" and rate.value == pytest.approx(0.669, abs=1e-15)
    published = OdsBook(built["met", True])
    assert not any(c.formula for cells in published.sheets.values() for c in cells.values())
    cells = published.sheets["Funnel"]
    visited = next(r for (r, c), cell in cells.items() if c == 1 and cell.text == "Visited")
    assert cells[visited, 5].value == pytest.approx(0.669, abs=1e-15) and cells[visited, 5].formula is None


def test_contents_links_go_to_every_sheet(built):
    book = OdsBook(built["met", False])
    links = [c.link for c in book.sheets["Contents"].values() if c.link]
    assert links == [f"#'{name}'.A1" for name in list(book.sheets)[:1] + list(book.sheets)[2:]]


@pytest.mark.parametrize("case", ["met", "prevent", "suppressed"])
def test_charts_are_native_with_title_and_description(built, case):
    """Every chart of the layout is an ODF chart object of the same kind and series, whose frame
    has the chart's title and alt text."""
    import re

    from xlplugin.report import load_report_layout

    name, options = xlsx_checks.CASES[case]
    layout = load_report_layout(xlsx_checks._input(built["folder"], name), timestamp=STAMP, **options)
    charts = [s.chart for s in layout.sheets if s.chart is not None]
    book = OdsBook(built[case, False])
    frames = [f for cells in book.sheets.values() for c in cells.values() for f in c.frames]
    assert len(frames) == len(charts) >= 2
    classes = {"bar": "chart:bar", "line": "chart:line", "scatter": "chart:scatter"}
    for chart, (title, desc, href) in zip(charts, frames, strict=True):
        assert (title, desc) == (chart.title, chart.alt_text)
        content = book.parts[f"{href.removeprefix('./')}/content.xml"].decode()
        assert f'chart:class="{classes[chart.kind]}"' in content
        assert content.count("<chart:series") == len(chart.series)
        errors = sum(1 for s in chart.series if s.error_plus is not None)
        assert content.count("<chart:error-indicator") == errors
        if chart.kind == "scatter":
            assert content.count("<chart:domain") == len(chart.series)
        book.xml(f"{href.removeprefix('./')}/content.xml")  # well-formed
        assert re.search(r"<chart:title[^>]*><text:p>", content)
    assert any(
        "chart:error-indicator" in book.parts[f"{h.removeprefix('./')}/content.xml"].decode() for _, _, h in frames
    )


def test_chart_ranges_point_at_the_table(built):
    """The bars read the very cells of the chart's data table."""
    book = OdsBook(built["met", False])
    table = dict((t.name, (s, t)) for s, t in book.tables)[TABLE_NAMES["funnel_chart"]][1]
    chart = book.parts["Object 1/content.xml"].decode()
    import re

    values = re.search(r'chart:values-cell-range-address="([^"]+)"', chart).group(1).replace("&apos;", "'")
    sheet, top, left, bottom, right = parse_range_address(values)
    assert (sheet, top, bottom) == ("Funnel chart", table.bounds[0] + 1, table.bounds[2])


def _chart_objects(book: OdsBook):
    """(chart XML root, frame title) of every chart frame, in sheet order."""
    frames = [f for cells in book.sheets.values() for c in cells.values() for f in c.frames]
    return [(book.xml(f"{href.removeprefix('./')}/content.xml"), title) for title, _, href in frames]


def _range_values(book: OdsBook, address: str) -> list:
    """The sheet's cached values over an ODF range, read back from the spreadsheet's own cells."""
    sheet, top, left, bottom, right = parse_range_address(address)
    out = []
    for r in range(top, bottom + 1):
        for c in range(left, right + 1):
            cell = book.sheets[sheet].get((r, c))
            out.append(None if cell is None else cell.value if cell.value is not None else cell.text)
    return out


@pytest.mark.parametrize("case", ["met", "prevent", "suppressed"])
def test_charts_cache_the_values_they_draw(built, case):
    """Each chart document holds a "local-table" (as LibreOffice writes one): a column per range the
    chart reads, named in the first row's svg:desc, holding exactly the numbers the sheet caches there,
    so a viewer that does not recalculate still draws the same chart."""
    book = OdsBook(built[case, False])
    checked = 0
    for root, title in _chart_objects(book):
        (table,) = [t for t in root.iter(q("table:table")) if t.get(q("table:name")) == "local-table"]
        series = list(root.iter(q("chart:series")))
        ranges = [s.get(q("chart:values-cell-range-address")) for s in series]
        ranges += [d.get(q("table:cell-range-address")) for d in root.iter(q("chart:domain"))]
        ranges += [c.get(q("table:cell-range-address")) for c in root.iter(q("chart:categories"))]
        rows = list(table.find(q("table:table-rows")).findall(q("table:table-row")))
        first = [c for c in rows[0] if c.tag == q("table:table-cell")]
        columns: dict[str, int] = {}
        for i, cell in enumerate(first):
            desc = cell.find(f"{q('draw:g')}/{q('svg:desc')}")
            if desc is not None:
                columns.setdefault(desc.text, i)
        for address in ranges:
            assert address in columns, (title, address, list(columns))
            cached = []
            for row in rows:
                cell = [c for c in row if c.tag == q("table:table-cell")][columns[address]]
                value, text = cell.get(q("office:value")), "".join(cell.find(q("text:p")).itertext())
                cached.append(float(value) if value is not None else text or None)
            expected = _range_values(book, address)
            assert len(cached) >= len(expected) and all(v is None for v in cached[len(expected) :])
            for got, want in zip(cached, expected, strict=False):
                assert got == (pytest.approx(want, abs=1e-12) if isinstance(want, float) else want), (title, address)
            checked += 1
    assert checked >= 2 * len(_chart_objects(book))


AREAS_CSV = "programme,stage,count,base\n" + "".join(
    f"{name},Referred,{200 + 137 * i},\n{name},Adopted,{(200 + 137 * i) // 3 + 7 * i},Referred\n"
    for i, name in enumerate(["Camden", "Hackney", "Islington", "Lambeth", "Southwark", "Newham"])
)


@pytest.mark.parametrize("case", ["met", "suppressed", "areas"])
def test_labelled_points_carry_their_label_text(built, tmp_path, case):
    """The funnel plot's points are labelled with the programme names and the denominators chart's
    bars with their label column: one chart:data-point per point, its chart:data-label text the
    label cell's text, in order (LibreOffice's custom label)."""
    from xlplugin.report import load_report_layout

    if case == "areas":  # six areas, no periods: a funnel plot
        source, options = tmp_path / "areas.csv", {}
        source.write_text(AREAS_CSV, encoding="utf-8")
        path = build_report(source, tmp_path / "areas.ods", timestamp=STAMP)
    else:
        name, options = xlsx_checks.CASES[case]
        source, path = xlsx_checks._input(built["folder"], name), built[case, False]
    layout = load_report_layout(source, timestamp=STAMP, **options)
    book = OdsBook(path)
    roots = dict((title, root) for root, title in _chart_objects(book))
    labelled, scatter = 0, 0
    for sheet in layout.sheets:
        chart = sheet.chart
        if chart is None:
            continue
        for s, element in zip(chart.series, roots[chart.title].iter(q("chart:series")), strict=True):
            points = element.findall(q("chart:data-point"))
            if not s.point_labels:
                assert not any(p.find(q("chart:data-label")) is not None for p in points)
                continue
            texts = ["".join(p.find(q("chart:data-label")).itertext()) for p in points]
            wanted = [book.sheets[n].get((r + 1, c + 1)).text for n, r, c in s.point_labels]
            assert texts == wanted and all(wanted)
            labelled += 1
            if chart.kind == "scatter":  # the funnel plot: the programme names
                assert texts == ["Camden", "Hackney", "Islington", "Lambeth", "Southwark", "Newham"]
                scatter += 1
    assert labelled >= 1
    assert scatter == (1 if case == "areas" else 0)


@pytest.mark.parametrize("case", ["met"])  # the Met denominators chart draws valid and invalid bars
def test_invalid_bars_are_hatched_not_only_coloured(built, case):
    """A bar whose numerator is not a subset of its denominator is hatched with a dashed outline (the
    sheet's own description says so), the others solid: one chart:data-point style per point."""
    from xlplugin.report import load_report_layout

    name, options = xlsx_checks.CASES[case]
    layout = load_report_layout(xlsx_checks._input(built["folder"], name), timestamp=STAMP, **options)
    book = OdsBook(built[case, False])
    roots = dict((title, root) for root, title in _chart_objects(book))
    seen = set()
    for chart in (s.chart for s in layout.sheets if s.chart is not None):
        root = roots[chart.title]
        fills = {
            st.get(q("style:name")): st.find(q("style:graphic-properties"))
            for st in root.iter(q("style:style"))
            if st.get(q("style:family")) == "chart"
        }
        for s, element in zip(chart.series, root.iter(q("chart:series")), strict=True):
            if not s.point_styles:
                continue
            points = element.findall(q("chart:data-point"))
            assert len(points) == len(s.point_styles)
            for style, point in zip(s.point_styles, points, strict=True):
                graphic = fills[point.get(q("chart:style-name"))]
                fill = graphic.get(q("draw:fill")) if graphic is not None else None
                stroke = graphic.get(q("draw:stroke")) if graphic is not None else None
                assert (fill, stroke) == (("hatch", "dash") if style == "invalid" else (None, None)), (
                    chart.title,
                    style,
                )
                seen.add(style)
    assert seen == {"", "invalid"}
    hatch = book.xml("Object 2/styles.xml").find(f".//{q('draw:hatch')}")
    assert hatch is not None and hatch.get(q("draw:name")) == "xlp_hatch"


def test_text_from_the_csv_is_never_a_formula(built):
    book = OdsBook(built["suppressed", False])
    texts = [c for cells in book.sheets.values() for c in cells.values() if "HYPERLINK" in c.text]
    assert texts and all(c.value_type == "string" and c.formula is None for c in texts)
    assert any(c.text == "@SUM(1+1)" and c.formula is None for cells in book.sheets.values() for c in cells.values())


def test_every_number_kind_has_an_odf_style():
    """A kind the model adds (with its Excel format) must get its ODF number style too."""
    from xlplugin.report import ods
    from xlplugin.report.model import NUMBER_FORMATS

    assert set(ods._DATA_STYLES) == set(NUMBER_FORMATS) == set(ods._DATA_STYLE_NAMES)
    for kind, name in ods._DATA_STYLE_NAMES.items():
        assert f'style:name="{name}"' in ods._DATA_STYLES[kind]


def test_ods_is_byte_reproducible():
    a = build_report_bytes(MET, "ods", timestamp=STAMP)
    assert a == build_report_bytes(MET, "ods", timestamp=STAMP)
    assert a != build_report_bytes(MET, "ods", timestamp="2022-01-01T00:00:00Z")


@pytest.mark.parametrize(
    "excel, odf",
    [
        ("=B8/B6", "of:=[.B8]/[.B6]"),
        ("=D12-E12", "of:=[.D12]-[.E12]"),
        ("='Funnel chart'!$A$1", "of:=[$'Funnel chart'.$A$1]"),
        ("=SUM(B2:B9)", "of:=SUM([.B2:.B9])"),
        ('=IF(A1="B2,C3",1,0)', 'of:=IF([.A1]="B2,C3";1;0)'),
        ("=100*MAX(-1,(F11/G11)-1.96^2)", "of:=100*MAX(-1;([.F11]/[.G11])-1.96^2)"),
        ("='It''s'!A1", "of:=[$'It''s'.A1]"),
    ],
)
def test_formula_translation(excel, odf):
    assert of_formula(excel) == odf


def test_cli_writes_ods_and_refuses_a_mismatched_format(tmp_path):
    env_cmd = [sys.executable, "-m", "xlplugin.cli", "report", str(MET)]
    out = tmp_path / "met.ods"
    done = subprocess.run([*env_cmd, "-o", str(out), "--timestamp", STAMP], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:2] == b"PK" and OdsBook(out).sheets
    bad = subprocess.run([*env_cmd, "-o", str(tmp_path / "x.xlsx"), "--format", "ods"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--format ods needs a file name ending .ods" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "x.xlsx").exists()
    other = subprocess.run([*env_cmd, "-o", str(tmp_path / "x.csv")], capture_output=True, text=True)
    assert other.returncode == 2 and "must be an .xlsx or .ods file" in other.stderr


def test_no_libreoffice_is_needed_to_write(tmp_path, monkeypatch):
    """Writing an .ods runs no subprocess at all."""
    import subprocess as sp

    def refuse(*args, **kwargs):
        raise AssertionError("the ODS writer started a process")

    monkeypatch.setattr(sp, "Popen", refuse)
    build_report(PREVENT, tmp_path / "p.ods", timestamp=STAMP)
    assert OdsBook(tmp_path / "p.ods").tables


# ------------------------------------------------------------------------------------------
# LibreOffice shows the core's numbers


@pytest.fixture(scope="module")
def exports(built, tmp_path_factory):
    lo.require_soffice()
    paths = [path for key, path in built.items() if key != "folder"]
    folder = tmp_path_factory.mktemp("ods-exports")
    out = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        batches = {r: pool.submit(lo.export_many, paths, folder / str(r), recalc=r) for r in (True, False)}
        for recalc, future in batches.items():
            for path, sheets in future.result().items():
                out[path, recalc] = sheets
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("recalc", [True, False], ids=["recalculated", "cached"])
@pytest.mark.parametrize("publish", [False, True], ids=["formulas", "publish"])
@pytest.mark.parametrize("case", list(xlsx_checks.CASES))
def test_libreoffice_shows_the_core_numbers_in_the_ods(built, exports, case, publish, recalc):
    name, options = xlsx_checks.CASES[case]
    confidence, method = options.get("confidence", 0.95), options.get("method", "wilson")
    funnel, _spec, _csv = load_input(xlsx_checks._input(built["folder"], name))
    path = built[case, publish]
    sheets = exports[path.resolve(), recalc]
    assert list(sheets) == list(OdsBook(path).sheets)
    check = xlsx_checks.Checker(f"ods {case} {'publish' if publish else 'formulas'} {recalc}")
    xlsx_checks.check_no_errors(check, sheets)
    xlsx_checks.check_funnel(check, path, sheets, funnel, confidence, method)
    xlsx_checks.check_denominators(check, path, sheets, funnel, confidence, method)
    xlsx_checks.check_denominators_chart(check, path, sheets, funnel, confidence, method)
    xlsx_checks.check_funnel_chart(check, path, sheets, funnel)
    xlsx_checks.check_programmes(check, path, sheets, funnel, confidence, method)
    xlsx_checks.check_funnel_plot(check, path, sheets, funnel)
    xlsx_checks.check_data(check, path, sheets, funnel)
    check.done()
    assert check.compared >= 60, f"only {check.compared} cells compared"


@pytest.mark.libreoffice
def test_founding_case_in_the_ods(built, exports):
    path = built["met", False]
    _, rows = xlsx_checks.table_rows(path, exports[path.resolve(), True], TABLE_NAMES["denominators"])
    shown = {(r["Numerator (stages)"], r["Denominator (stage)"]): lo.parse_cell(r["Rate (%)"]) for r in rows}
    assert shown["Interested in diversion", "Visited"] == pytest.approx(62 / 669, abs=1e-12)
    assert shown["Interested in diversion", "Identified for a visit"] == pytest.approx(0.062, abs=1e-12)


@pytest.mark.libreoffice
def test_the_ods_charts_render(built, tmp_path):
    """LibreOffice draws every chart page of the .ods (a page per sheet at least, none blank)."""
    lo.require_pdftoppm()
    pngs = lo.to_pdf_pngs(built["prevent", False], tmp_path)
    assert len(pngs) >= len(OdsBook(built["prevent", False]).sheets)
    assert all(p.stat().st_size > 1500 for p in pngs)


# ------------------------------------------------------------------------------------------
# The accessibility checker reads .ods too


@pytest.mark.parametrize("publish", [False, True], ids=["formulas", "publish"])
@pytest.mark.parametrize("case", list(xlsx_checks.CASES))
def test_checker_passes_the_ods(built, case, publish):
    from xlplugin.accessibility import check_workbook

    findings = check_workbook(built[case, publish])
    assert findings == [], "\n".join(map(str, findings))


def _spoil(source: Path, target: Path, part: str, old: bytes, new: bytes) -> Path:
    import zipfile

    with zipfile.ZipFile(source) as package:
        entries = [(info, package.read(info)) for info in package.infolist()]
    with zipfile.ZipFile(target, "w") as out:
        for info, data in entries:
            if info.filename == part:
                assert old in data, (part, old)
                data = data.replace(old, new, 1)
            out.writestr(info, data)
    return target


def _element(data: bytes, tag: bytes) -> bytes:
    """The first <tag>...</tag> in data."""
    start = data.index(b"<" + tag + b">")
    end = data.index(b"</" + tag + b">", start) + len(tag) + 3
    return data[start:end]


@pytest.mark.parametrize(
    "part, old, new, check",
    [
        ("content.xml", b'table:style-name="Heading_20_1"', b'table:style-name="body"', "title_in_a1"),
        ("content.xml", b"svg:desc", b"<svg:desc></svg:desc>", "charts"),
        (
            "content.xml",
            b'table:display-filter-buttons="false"',
            b'table:display-filter-buttons="true"',
            "no_filter_buttons",
        ),
        ("meta.xml", b"dc:title", b"", "document_properties"),
        (
            "content.xml",
            b"<text:a xlink:href=\"#'Notes'.A1\"",
            b"<text:a xlink:href=\"#'Nowhere'.A1\"",
            "contents_links",
        ),
    ],
    ids=["heading", "alt text", "filter buttons", "title", "contents link"],
)
def test_checker_finds_what_is_wrong_in_an_ods(built, tmp_path, part, old, new, check):
    """Each essential can fail: one thing spoilt in the Met .ods is reported under its check."""
    import zipfile

    from xlplugin.accessibility import check_workbook

    source = built["met", False]
    if not old.startswith((b"<", b"table:")):  # a whole element, replaced
        old = _element(zipfile.ZipFile(source).read(part), old)
    spoiled = _spoil(source, tmp_path / "spoiled.ods", part, old, new)
    found = {f.check for f in check_workbook(spoiled)}
    assert check in found, found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words", "plain words"),
        ("two  spaces", "two <text:s/>spaces"),
        ("four    spaces", 'four <text:s text:c="3"/>spaces'),
        (" lead", "<text:s/>lead"),
        ("trail  ", 'trail<text:s text:c="2"/>'),
        ("a\tb & <c>", "a<text:tab/>b &amp; &lt;c&gt;"),
    ],
)
def test_paragraph_text_keeps_runs_of_spaces_and_escapes(text, expected):
    from xlplugin.report.odf import paragraphs

    assert paragraphs(text, inline=True) == expected


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("", 10, 1),
        ("x" * 10, 10, 1),  # (10 - 1) * 1.15 -> 10 characters a line: fits exactly
        ("xxxxx xxxx", 10, 1),
        ("xxxxx xxxxx", 10, 2),
        ("aaaa bbbb cc dddd eeee", 10, 3),
        ("one\ntwo\nthree", 10, 3),
    ],
)
def test_wrapped_line_estimate(text, width, expected):
    from xlplugin.report.textfit import lines_needed

    assert lines_needed(text, width) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('plain "quoted" <b> & c', "plain &quot;quoted&quot; &lt;b&gt; &amp; c"),
        ("a\x01b\x0bc\ud800d\ufffee", "abcde"),  # what XML 1.0 cannot hold is dropped
        ("tab\tnew\nline\u00a0nbsp", "tab\tnew\nline\u00a0nbsp"),  # not printable, but XML text
    ],
)
def test_xml_text_drops_what_xml_cannot_hold(text, expected):
    from xlplugin.report.odf import esc

    assert esc(text) == expected
