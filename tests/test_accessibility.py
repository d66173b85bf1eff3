"""The accessibility checker: every check fires on a deliberately bad workbook, none on a good one."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from helpers import add_table

from xlplugin.accessibility import checker as acc
from xlplugin.core.errors import InputError

# ------------------------------------------------------------------------------------------
# Building workbooks


def add_heading_style_and_language(path, title_xf_indexes, *, language="en-GB"):
    """What XlsxWriter cannot do: a built-in "Heading 1" cell style (builtinId 16, restyled to
    automatic colour and no border) used by the title cells, and dc:language in core.xml."""
    with zipfile.ZipFile(path) as package:
        entries = [(info.filename, package.read(info)) for info in package.infolist()]
    out = []
    for name, data in entries:
        if name == "xl/styles.xml":
            text = data.decode("utf-8")
            block = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", text, flags=re.S)
            xfs = re.findall(r"<xf\b[^>]*?/>|<xf\b[^>]*?>.*?</xf>", block.group(1), flags=re.S)
            title_font = re.search(r'fontId="(\d+)"', xfs[title_xf_indexes[0]]).group(1)
            style_count = int(re.search(r'<cellStyleXfs count="(\d+)"', text).group(1))
            for index in title_xf_indexes:
                xfs[index] = xfs[index].replace('xfId="0"', f'xfId="{style_count}"', 1)
            text = (
                text[: block.start()]
                + f'<cellXfs count="{len(xfs)}">'
                + "".join(xfs)
                + "</cellXfs>"
                + text[block.end() :]
            )
            text = re.sub(
                r'<cellStyleXfs count="\d+">(.*?)</cellStyleXfs>',
                lambda m, n=style_count + 1, font=title_font: (
                    f'<cellStyleXfs count="{n}">{m.group(1)}<xf numFmtId="0" '
                    f'fontId="{font}" fillId="0" borderId="0" applyFont="1"/></cellStyleXfs>'
                ),
                text,
                flags=re.S,
            )
            styles_count = int(re.search(r'<cellStyles count="(\d+)"', text).group(1))
            text = text.replace(f'<cellStyles count="{styles_count}">', f'<cellStyles count="{styles_count + 1}">')
            text = text.replace(
                "</cellStyles>", f'<cellStyle name="Heading 1" xfId="{style_count}" builtinId="16"/></cellStyles>'
            )
            data = text.encode("utf-8")
        elif name == "docProps/core.xml" and language:
            data = data.replace(
                b"</cp:coreProperties>", f"<dc:language>{language}</dc:language></cp:coreProperties>".encode()
            )
        out.append((name, data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in out:
            package.writestr(name, data)


def build_good(path):
    """A small workbook that follows every essential."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"title": "Uptake of a diversion scheme"})
    title = workbook.add_format({"bold": True, "font_size": 15})
    count = workbook.add_format({"num_format": "#,##0"})
    rate = workbook.add_format({"num_format": "0.0%"})

    cover = workbook.add_worksheet("Cover")
    cover.write_string("A1", "Uptake of a diversion scheme", title)
    cover.write_string("A2", "Counts of people at each stage, and the rates between them.")
    cover.write_url("A3", "https://www.example.org/foi/123", string="FOI response 123 (example.org)")
    cover.write_string("A4", "Contact: analysis team")

    contents = workbook.add_worksheet("Contents")
    contents.write_string("A1", "Contents", title)
    contents.write_string("A2", "Links to every sheet in this workbook.")
    shown = [["", "Notes on the figures"], ["", "Stages, counts and rates"], ["", "A bar chart of the funnel"]]
    add_table(contents, "A3:B6", "contents", ["Sheet", "What it shows"], shown, autofilter=False)
    for row, name in ((4, "Notes"), (5, "Funnel table"), (6, "Funnel chart")):
        contents.write_url(f"A{row}", f"internal:'{name}'!A1", string=name)

    notes = workbook.add_worksheet("Notes")
    notes.write_string("A1", "Notes", title)
    notes.write_string("A2", "Notes referred to in the tables.")
    add_table(
        notes, "A3:B4", "notes", ["Note number", "Note text"], [["[note 1]", "Visits may repeat."]], autofilter=False
    )

    funnel = workbook.add_worksheet("Funnel table")
    funnel.write_string("A1", "Funnel: people at each stage", title)
    funnel.write_string("A2", "Each rate divides a stage by the stage before it.")
    funnel.write_string("A3", "[c] means a count suppressed to protect privacy.")
    columns = ["Stage", {"header": "Count (people)", "format": count}, {"header": "Rate of base (%)", "format": rate}]
    add_table(funnel, "A4:C7", "funnel", columns, autofilter=False)
    funnel.write_string("A5", "Identified")
    funnel.write_number("B5", 1000, count)
    funnel.write_string("C5", "[z]")
    funnel.write_string("A6", "Visited [note 1]")
    funnel.write_number("B6", 669, count)
    funnel.write_formula("C6", "=B6/B5", rate, 669 / 1000)
    funnel.write_string("A7", "Interested")
    funnel.write_string("B7", "[c]")
    funnel.write_string("C7", "[c]")
    funnel.write_string("A3", "[c] means a count suppressed to protect privacy; [z] means not applicable.")

    chart_sheet = workbook.add_worksheet("Funnel chart")
    chart_sheet.write_string("A1", "Funnel chart", title)
    chart_sheet.write_string("A2", "Bars show the people at each stage.")
    chart = workbook.add_chart({"type": "bar"})
    chart.add_series(
        {"name": "People", "categories": "='Funnel table'!$A$5:$A$6", "values": "='Funnel table'!$B$5:$B$6"}
    )
    chart.set_title({"name": "People at each stage"})
    chart_sheet.insert_chart("A4", chart, {"description": "Bar chart: 1,000 identified, 669 visited."})
    workbook.close()
    add_heading_style_and_language(path, [title.xf_index])
    return path


def build_bad(path):
    """A workbook that breaks every essential at least once (.xlsm, for the macro check)."""
    workbook = xlsxwriter.Workbook(str(path))
    big_serif = workbook.add_format({"font_name": "Times New Roman", "font_size": 8})
    rotated = workbook.add_format({"rotation": 90})
    superscript = workbook.add_format({"font_script": 1})
    filled = workbook.add_format({"bg_color": "#FFFF00", "font_color": "#FF0000"})
    two_decimals = workbook.add_format({"num_format": "0.00%"})

    first = workbook.add_worksheet()  # Sheet1: not a cover, no title style, no A2
    first.write_string("A1", "Some figures")
    first.write_string("C3", "stray text outside a table")
    first.merge_range("A5:C5", "merged heading")
    first.write_url("A6", "https://www.example.org/data")  # bare URL as link text
    first.write_string("A7", "see [note 3]", big_serif)
    first.write_string("A8", "rotated", rotated)
    first.write_string("A9", "x2", superscript)
    first.write_string("A10", "important", filled)
    first.set_header("&CPage header")
    first.insert_textbox("E2", "A text box")
    first.autofilter("A12:B14")
    first.set_selection("C3")

    tables = workbook.add_worksheet("Data")
    tables.write_string("A1", "Data")
    tables.write_string("A2", "Figures in tables.")
    add_table(tables, "B5:E9", None, ["Stage", "Count", "Rate", "Interval"])  # Table1, col B, filter
    tables.write_row("B6", ["Identified", 1000, 0.5, "8.2% to 10.5%"])
    tables.write_number("C7", 669)
    tables.write_number("D7", 0.669, two_decimals)
    tables.write_row("B8", ["Interested", "1,000", "[c]"])  # number as text, shorthand without key
    tables.write_number("C6", 1000)
    tables.write_number("C5", 42)  # header cell overwritten by a number
    add_table(tables, "A12:B14", "with_blank_row", ["Stage", "Note"], autofilter=False)
    tables.write_row("A13", ["Visited", "x"])
    tables.activate()

    workbook.add_worksheet("Empty sheet")
    hidden = workbook.add_worksheet("Hidden helper")
    hidden.write_string("A1", "hidden")
    hidden.hide()

    notes = workbook.add_worksheet("Notes")
    notes.write_string("A1", "Notes")
    notes.write_string("A2", "Notes used above.")
    add_table(
        notes, "A3:B4", "notes", ["Note number", "Note text"], [["[note 1]", "Never referred to."]], autofilter=False
    )

    chart = workbook.add_chart({"type": "bar"})
    chart.add_series({"values": "=Data!$C$6:$C$7"})
    tables.insert_chart("H2", chart)  # no title, no alt text
    chartsheet = workbook.add_chartsheet()
    chart2 = workbook.add_chart({"type": "column"})
    chart2.add_series({"values": "=Data!$C$6:$C$7"})
    chartsheet.set_chart(chart2)
    workbook.close()
    # a macro project part, as Excel stores one (content is irrelevant to the check)
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0not really vba")
    return path


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return build_good(tmp_path_factory.mktemp("good") / "good.xlsx")


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return build_bad(tmp_path_factory.mktemp("bad") / "bad.xlsx")


# ------------------------------------------------------------------------------------------
# Tests


def test_good_workbook_passes(good):
    findings = acc.check_workbook(good)
    assert findings == [], "\n".join(map(str, findings))


def test_every_check_fires_on_the_bad_workbook(bad):
    fired = {f.check for f in acc.check_workbook(bad)}
    assert fired == set(acc.CHECKS), f"never fired: {sorted(set(acc.CHECKS) - fired)}"


EXPECTED_BAD = [
    ("cover_first", "Sheet1", "the first sheet is not a cover sheet"),
    ("title_in_a1", "Sheet1", "not in the built-in 'Heading 1'"),
    ("title_in_a1", "Empty sheet", "no title text in A1"),
    ("description_in_a2", "Sheet1", "no description text in A2"),
    ("contents_links", None, "no contents sheet"),
    ("notes", "Sheet1", "[note 3] is not defined"),
    ("notes", "Notes", "note 1 is defined but never used"),
    ("tab_names", "Sheet1", "not meaningful"),
    ("tab_names", "Chart1", "not meaningful"),
    ("no_blank_sheets", "Empty sheet", "the sheet is blank"),
    ("no_blank_sheets", "Hidden helper", "the sheet is hidden"),
    ("opens_at_a1", None, "opens on sheet 2"),
    ("opens_at_a1", "Sheet1", "the selection is C3"),
    ("document_properties", None, "no document title"),
    ("document_properties", None, "not en-GB"),
    ("tables_marked_up", "Sheet1", "not inside an Excel table"),
    ("one_table_per_sheet", "Data", "2 tables on one sheet"),
    ("table_names", "Data", "not meaningful"),
    ("table_headers", "Data", "the header cell is not text"),
    ("tables_start_in_column_a", "Data", "the table starts at B5"),
    ("no_merged_cells", "Sheet1", "merged cells"),
    ("no_blank_rows_or_columns", "Data", "a blank row inside the table"),
    ("no_filter_buttons", "Data", "the table has filter buttons"),
    ("no_filter_buttons", "Sheet1", "the sheet has an autofilter"),
    ("no_empty_cells", "Data", "empty cell(s) in table Table1"),
    ("shorthand_key", "Data", "[c] is used in table Table1"),
    ("units_in_headers", "Data", "no unit in round brackets"),
    ("numbers_as_numbers", "Data", "the number '1,000' is stored as text"),
    ("number_formats", "Data", "mixes number formats"),
    ("ci_columns", "Data", "'8.2% to 10.5%' in one cell"),
    ("fonts", "Sheet1", "'Times New Roman' is not a known sans-serif font"),
    ("fonts", "Sheet1", "text is 8 pt"),
    ("no_rotated_text", "Sheet1", "rotated text"),
    ("no_superscript", "Sheet1", "superscript text"),
    ("no_fills_or_colour", "Sheet1", "the cell has a fill"),
    ("no_fills_or_colour", "Sheet1", "coloured text"),
    ("hyperlink_text", "Sheet1", "bare URL (https://www.example.org/data)"),
    ("no_headers_footers", "Sheet1", "page oddHeader"),
    ("no_text_boxes", "Sheet1", "a text box"),
    ("no_macros", None, "contains macros"),
    ("charts", "Chart1", "a chartsheet"),
    ("charts", "Data", "the chart has no alt text"),
    ("charts", "Data", "the chart has no title"),
]


@pytest.mark.parametrize("check, sheet, fragment", EXPECTED_BAD)
def test_bad_workbook_findings(bad, check, sheet, fragment):
    findings = acc.check_workbook(bad, [check])
    assert any(f.sheet == sheet and fragment in f.message for f in findings), "\n".join(map(str, findings))


def test_rate_format_rule(tmp_path):
    """A percentage column with two decimals is reported even when consistent."""
    path = tmp_path / "rates.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Rates")
    rate = {"header": "Rate (%)", "format": workbook.add_format({"num_format": "0.00%"})}
    add_table(sheet, "A3:B4", "rates", ["Stage", rate], [["Visited", 0.669]], autofilter=False)
    workbook.close()
    findings = acc.check_workbook(path, ["number_formats"])
    assert [f.message for f in findings] == ["the rate column 'Rate (%)' is formatted '0.00%', not 0.0%"]


def test_count_format_rule(tmp_path):
    path = tmp_path / "counts.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Counts")
    add_table(sheet, "A3:B4", "counts", ["Stage", "Count (people)"], [["Visited", 669]], autofilter=False)
    workbook.close()
    findings = acc.check_workbook(path, ["number_formats"])
    assert [f.message for f in findings] == ["the count column 'Count (people)' is formatted 'General', not #,##0"]


def _rewrite_styles(path, edit):
    with zipfile.ZipFile(path) as package:
        entries = {name: package.read(name) for name in package.namelist()}
    entries["xl/styles.xml"] = edit(entries["xl/styles.xml"].decode()).encode()
    with zipfile.ZipFile(path, "w") as package:
        for name, data in entries.items():
            package.writestr(name, data)


def test_heading_style_with_border_is_reported(tmp_path):
    """Excel's default Heading 1 has a thick bottom border; the guidance wants it removed."""
    path = build_good(tmp_path / "good.xlsx")

    def add_border(styles):
        styles = styles.replace('<borders count="1">', '<borders count="2">').replace(
            "</borders>",
            '<border><left/><right/><top/><bottom style="thick"><color theme="4"/></bottom>'
            "<diagonal/></border></borders>",
        )
        tail = 'borderId="0" applyFont="1"/></cellStyleXfs>'
        assert tail in styles
        return styles.replace(tail, tail.replace('borderId="0"', 'borderId="1"'))

    _rewrite_styles(path, add_border)
    findings = acc.check_workbook(path, ["title_in_a1"])
    assert [f.message for f in findings] == ["the Heading 1 style has a border"]


def test_heading_style_with_colour_is_reported(tmp_path):
    """Excel's default Heading 1 is dark blue (theme 3); the guidance wants automatic colour."""
    path = build_good(tmp_path / "good.xlsx")
    title_font = '<font><b/><sz val="15"/><color theme="1"/>'
    _rewrite_styles(path, lambda styles: styles.replace(title_font, title_font.replace('theme="1"', 'theme="3"')))
    findings = acc.check_workbook(path, ["title_in_a1"])
    assert findings[0].message == "the Heading 1 style's font colour is not automatic"
    assert {f.sheet for f in findings[1:]} == {"Cover", "Contents", "Notes", "Funnel table", "Funnel chart"}
    assert {f.message for f in findings[1:]} == {"the title's font colour is not automatic"}


def test_explained_blanks_are_allowed(tmp_path):
    path = tmp_path / "blanks.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Blanks")
    sheet.write_string("A3", "Blank cells mean the stage did not exist that year.")
    add_table(sheet, "A4:B6", "blanks", ["Stage", "Note"], [["Visited", "x"], ["Interested"]], autofilter=False)
    workbook.close()
    assert acc.check_workbook(path, ["no_empty_cells"]) == []


def test_contents_link_to_wrong_cell(tmp_path):
    path = tmp_path / "links.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("Cover").write("A1", "Cover")
    contents = workbook.add_worksheet("Contents")
    workbook.add_worksheet("Figures").write("A1", "Figures")
    contents.write_url("A3", "internal:Figures!B7", string="Figures")
    workbook.close()
    findings = acc.check_workbook(path, ["contents_links"])
    assert [f.message for f in findings] == ["the link to 'Figures' goes to B7, not A1"]


def test_not_a_workbook(tmp_path):
    path = tmp_path / "not.xlsx"
    path.write_text("hello")
    with pytest.raises(InputError):
        acc.check_workbook(path)


def test_command_line(good, bad, tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "xlplugin.accessibility", *map(str, args)], capture_output=True, text=True
        )

    ok = run(good)
    assert ok.returncode == 0 and "passes all" in ok.stdout
    failing = run(bad)
    assert failing.returncode == 1
    assert "no_merged_cells: [Sheet1] A5:C5: merged cells" in failing.stdout
    (tmp_path / "junk.xlsx").write_bytes(b"junk")
    assert run(tmp_path / "junk.xlsx").returncode == 2


def test_unit_column_exempts_headers_and_quoted_claims_stay_text(tmp_path):
    """A table with a 'unit' column states units per row; a quoted claim like "9%" is text."""
    path = tmp_path / "data.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    count = workbook.add_format({"num_format": "#,##0"})
    sheet = workbook.add_worksheet("Data")
    rows = [["Visited", 669, "people"], ["Follow-up", 156, "contacts"]]
    add_table(sheet, "A3:C5", "data", ["stage", {"header": "count", "format": count}, "unit"], rows, autofilter=False)
    claims = workbook.add_worksheet("Claims")
    add_table(claims, "A3:B5", "claims", ["Claim", "By"], [["just over 6%", "LBC"], ["9%", "Met"]], autofilter=False)
    workbook.close()
    assert acc.check_workbook(path, ["units_in_headers", "numbers_as_numbers"]) == []


COMMITTED_EXAMPLES = sorted((Path(__file__).parents[1] / "workbooks" / "examples").glob("*.xlsx"))


@pytest.mark.parametrize("path", COMMITTED_EXAMPLES, ids=[p.name for p in COMMITTED_EXAMPLES])
def test_committed_example_reports_pass(path):
    """The example reports committed under workbooks/examples/ (built by `make report`)."""
    findings = acc.check_workbook(path)
    assert findings == [], "\n".join(map(str, findings))


CORPUS = sorted((Path(__file__).parent / "data" / "xlsx").glob("*.xls[xm]"))


@pytest.mark.slow  # tens of seconds: run by `make test`, not by `make check`
def test_checker_reads_every_real_workbook():
    """On the 80 real workbooks of the corpus the checker reports findings or refuses the file
    with an InputError; it never crashes. (None of them is an accessible publication.)"""
    assert len(CORPUS) == 80, "tests/data/xlsx should hold the 80 corpus workbooks"
    crashed = []
    for path in CORPUS:
        try:
            findings = acc.check_workbook(path)
            assert all(f.check in acc.CHECKS for f in findings)
        except InputError:
            pass
        except Exception as exc:  # noqa: BLE001 - the point is to list every crash
            crashed.append(f"{path.name}: {type(exc).__name__}: {exc}")
    assert crashed == []


def _rewrite_part(path, part, edit):
    with zipfile.ZipFile(path) as package:
        entries = {name: package.read(name) for name in package.namelist()}
    entries[part] = edit(entries[part].decode()).encode()
    with zipfile.ZipFile(path, "w") as package:
        for name, data in entries.items():
            package.writestr(name, data)


@pytest.mark.parametrize(
    "damage, what",
    [
        (lambda xml: re.sub(r'<row r="1"', '<row r="x"', xml, count=1), "a row numbered 'x'"),
        (lambda xml: re.sub(r'<c r="A1"', '<c r="A1B"', xml, count=1), "'A1B'"),
        (lambda xml: re.sub(r'(<c r="A1"[^>]*?) s="\d+"', r'\1 s="-1"', xml, count=1), "a style at cell A1 '-1'"),
    ],
)
def test_damaged_row_or_cell_is_a_located_refusal(tmp_path, damage, what):
    """Issue 9: ``<row r="x">`` was a traceback (ValueError); now an InputError naming file and part, exit 2."""
    path = build_good(tmp_path / "good.xlsx")
    _rewrite_part(path, "xl/worksheets/sheet1.xml", damage)
    with pytest.raises(InputError) as caught:
        acc.check_workbook(path)
    message = str(caught.value)
    assert "xl/worksheets/sheet1.xml" in message and what in message and str(path) in message
    result = subprocess.run([sys.executable, "-m", "xlplugin.accessibility", str(path)], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "xl/worksheets/sheet1.xml" in result.stderr


def test_checks_are_registered_by_name_in_definition_order():
    """A check is one decorated function in rules.py; its registered name is the function's without check_."""
    from xlplugin.accessibility import rules

    assert list(acc.CHECKS)[:3] == ["cover_first", "title_in_a1", "description_in_a2"]
    assert len(acc.CHECKS) == 32
    assert all(check.__name__ == f"check_{name}" for name, check in acc.CHECKS.items())
    with pytest.raises(ValueError, match="two accessibility checks"):
        rules.rule(rules.check_charts)
