"""Report refresh: owned sheets reflect the new data, everything else survives, edits are refused."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import lo_harness
import pytest
from helpers import write, zip_entries

from xlplugin.core.errors import InputError
from xlplugin.ooxml.book import open_book
from xlplugin.ooxml.package import open_package
from xlplugin.refresh import refresh_workbook
from xlplugin.report import build_report

EXAMPLES = Path(__file__).resolve().parent.parent / "workbooks" / "examples"

OLD_CSV = """stage,count,base,unit,note
Identified for a visit,1000,,people,"Involved in a violent offence at least three times in the previous 12 months"
Visited,669,Identified for a visit,people,
Follow-up engagements,156,Visited,contacts,"Engagements, not necessarily distinct people"
Interested in diversion,62,Visited,people,"Expressed interest in diversionary activity"
Contacted police about diversion,20,none,people,"Contacted the numbers on the letter"
"""
NEW_CSV = """stage,count,base,unit,note
Identified for a visit,1200,,people,"Involved in a violent offence at least three times in the previous 12 months"
Visited,800,Identified for a visit,people,
Follow-up engagements,200,Visited,contacts,"Engagements, not necessarily distinct people"
Interested in diversion,90,Visited,people,"Expressed interest in diversionary activity"
Started diversion,40,Interested in diversion,people,
Contacted police about diversion,25,none,people,"Contacted the numbers on the letter"
"""


@pytest.fixture
def report(tmp_path) -> Path:
    csv = write(tmp_path / "met.csv", OLD_CSV)
    out = tmp_path / "met.xlsx"
    build_report(csv, out)
    return out


@pytest.fixture
def new_csv(tmp_path) -> Path:
    return write(tmp_path / "met-2021.csv", NEW_CSV)


def count_cell(path: Path, offset: int = 0) -> str:
    """The address of the count of the funnel table's stage number `offset` (0 = first stage)."""
    from xlplugin.ooxml.cells import cell_ref, parse_range

    with open_package(path) as package:
        table = open_book(package, Path(path)).table_named("xlp_funnel")
        r1, c1, _, _ = parse_range(table.ref)
    return cell_ref(r1 + 1 + offset, c1 + 1)


def _add_user_sheet(path: Path) -> None:
    """A sheet of the user's own (inline strings, a formula reading an owned cell), spliced in."""
    first_count = count_cell(path)
    with open_package(path) as package:
        book = open_book(package, path)
        funnel = book.sheet_named("Funnel").name
        xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>my notes</t></is></c><c r="B1"><v>42</v></c></row>'
            f'<row r="2"><c r="A2"><f>\'{funnel}\'!{first_count}*2</f><v>2000</v></c></row>'
            "</sheetData></worksheet>"
        ).encode()
        book.add_worksheet("Mine", xml)
        from xlplugin.ooxml.package import write_package

        write_package(package, path, book.changes)


def test_refresh_updates_owned_sheets_and_keeps_the_rest(tmp_path, report, new_csv):
    _add_user_sheet(report)
    before = zip_entries(report)
    out = refresh_workbook(report, new_csv, output=tmp_path / "out.xlsx")
    after = zip_entries(out)
    with open_package(out) as package:
        book = open_book(package, out)
        names = [s.name for s in book.sheets]
        assert names[-1] == "Mine" and "Funnel" in names
        mine = book.sheet_named("Mine").part
        assert after[mine] == before[mine]
        funnel_table = book.table_named("xlp_funnel")
        from xlplugin.ooxml.cells import parse_range

        r1, _, r2, _ = parse_range(funnel_table.ref)
        assert r2 - r1 == 6  # six stages now
        ids = [t.id for t in book.tables]
        assert len(ids) == len(set(ids))
        funnel_xml = package.read(funnel_table.sheet.part).decode()
    assert "Started diversion" in funnel_xml and 't="s"' not in funnel_xml
    assert "<v>1200</v>" in funnel_xml
    assert not any(name.lower().endswith("calcchain.xml") for name in after)
    from xlplugin.accessibility.checker import check_workbook

    assert [f for f in check_workbook(out) if "Mine" not in str(f)] == []
    # parts the report does not own are byte-for-byte the same
    for name in ("xl/theme/theme1.xml", "docProps/custom.xml"):
        assert after[name] == before[name], name
    # shared strings keep their places; those only the old owned sheets showed are emptied (withdrawn text)
    assert after["xl/sharedStrings.xml"].count(b"<si>") == before["xl/sharedStrings.xml"].count(b"<si>")
    assert b"Involved in a violent offence" not in after["xl/sharedStrings.xml"]


def test_hand_edited_owned_cell_is_refused_unless_forced(tmp_path, report, new_csv):
    with open_package(report) as package:
        book = open_book(package, report)
        table = book.table_named("xlp_funnel")
        part = table.sheet.part
        data = package.read(part)
    # the user typed 999 over the "Visited" count
    visited = count_cell(report, 1)
    edited = re.sub(rb'(<c r="' + visited.encode() + rb'"[^>]*>)<v>669</v>', rb"\1<v>999</v>", data)
    assert edited != data
    path = tmp_path / "edited.xlsx"
    with zipfile.ZipFile(report) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, edited if info.filename == part else zin.read(info))
    before = path.read_bytes()
    with pytest.raises(InputError) as err:
        refresh_workbook(path, new_csv)
    assert visited in str(err.value) and "Funnel" in str(err.value) and "--force" in str(err.value)
    assert path.read_bytes() == before
    refresh_workbook(path, new_csv, force=True)
    assert path.read_bytes() != before


def test_not_a_report_is_refused(tmp_path, new_csv):
    source = Path(__file__).parent / "data" / "xlsx" / "calamine__table-multiple.xlsx"
    with pytest.raises(InputError, match="--table"):
        refresh_workbook(source, new_csv, output=tmp_path / "x.xlsx")


def test_bad_csv_is_refused_before_the_workbook_is_read(tmp_path, report):
    bad = write(tmp_path / "bad.csv", "stage,count\nA,-5\n")
    before = report.read_bytes()
    with pytest.raises(InputError):
        refresh_workbook(report, bad)
    assert report.read_bytes() == before


def test_renamed_owned_sheet_keeps_its_name(tmp_path, report, new_csv):
    renamed = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(report) as zin, zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":  # what Excel does on a rename
                data = data.replace(b'name="Funnel"', b'name="Uptake 2020"').replace(b"'Funnel'!", b"'Uptake 2020'!")
            zout.writestr(info.filename, data)
    out = refresh_workbook(renamed, new_csv, output=tmp_path / "out.xlsx")
    with open_package(out) as package:
        book = open_book(package, out)
        assert book.sheet_named("Funnel") is None and book.sheet_named("Uptake 2020") is not None
        text = b"".join(package.read(n) for n in package.names() if n.endswith(".xml")).decode("utf-8", "replace")
    assert "'Funnel'!" not in text and "'Uptake 2020'!" in text


def test_new_owned_sheet_is_added(tmp_path, report):
    spec = tmp_path / "spec.toml"
    write(tmp_path / "met-2021.csv", NEW_CSV)
    spec.write_text(
        'title = "Visits 2021"\ndata = "met-2021.csv"\n\n[[claims]]\ntext = "about 11%"\nby = "Press office"\n',
        encoding="utf-8",
    )
    out = refresh_workbook(report, spec, output=tmp_path / "out.xlsx")
    with open_package(out) as package:
        book = open_book(package, out)
        assert book.sheet_named("Claims") is not None
        assert book.table_named("xlp_claims") is not None
        assert any(d.name == "xlp_sheet_claims" for d in book.defined_names)


@pytest.mark.libreoffice
def test_libreoffice_resave_then_refresh_shows_new_figures(tmp_path, report, new_csv):
    lo_harness.require_soffice()
    _add_user_sheet(report)
    resaved = lo_harness.convert(report, "xlsx", tmp_path / "resaved")
    out = refresh_workbook(resaved, new_csv, output=tmp_path / "refreshed.xlsx")
    sheets = lo_harness.export_sheets_values(out, tmp_path / "csv")
    funnel = sheets["Funnel"]
    rows = {row[0]: row for row in funnel if row and isinstance(row[0], str)}
    assert rows["Visited"][1] == 800.0
    assert abs(rows["Visited"][4] - 800 / 1200) < 1e-9
    assert rows["Started diversion"][1] == 40.0
    assert abs(rows["Started diversion"][4] - 40 / 90) < 1e-9
    assert sheets["Mine"][0][:2] == ["my notes", 42.0]
    from xlplugin.accessibility.checker import check_workbook

    # the refreshed owned sheets meet the guidance again (LibreOffice's re-save loses "Heading 1")
    assert [f for f in check_workbook(out) if "Mine" not in str(f)] == []
    assert sheets["Mine"][1][0] == 2400.0  # the user's formula reads the new first count (1200 * 2)


@pytest.mark.parametrize("attribute", ["_copy_entry", "_write_new", "replace"])
def test_interrupted_report_refresh_leaves_original_identical(tmp_path, report, new_csv, monkeypatch, attribute):
    import os

    import xlplugin.ooxml.package as package_module

    class Crash(Exception):
        pass

    def crash(*args, **kwargs):
        raise Crash(attribute)

    before = report.read_bytes()
    if attribute == "replace":
        monkeypatch.setattr(os, "replace", crash)
    else:
        monkeypatch.setattr(package_module, attribute, crash)
    with pytest.raises(Crash):
        refresh_workbook(report, new_csv)
    monkeypatch.undo()
    assert report.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


PROGRAMMES_CSV = """programme,stage,count,base
Year ending March 2019,Referred to Prevent,5737,
Year ending March 2019,Discussed at a Channel panel,1328,Referred to Prevent
Year ending March 2019,Adopted as a Channel case,556,Discussed at a Channel panel
Year ending March 2020,Referred to Prevent,6287,
Year ending March 2020,Discussed at a Channel panel,1424,Referred to Prevent
Year ending March 2020,Adopted as a Channel case,697,Discussed at a Channel panel
Year ending March 2021,Referred to Prevent,4915,
Year ending March 2021,Discussed at a Channel panel,1333,Referred to Prevent
Year ending March 2021,Adopted as a Channel case,688,Discussed at a Channel panel
"""


def _sheet_names(path) -> list[str]:
    with open_package(path) as package:
        return [s.name for s in open_book(package, Path(path)).sheets]


@pytest.mark.libreoffice
def test_programmes_come_and_go(tmp_path, report):
    from xlplugin.accessibility.checker import check_workbook

    several = write(tmp_path / "several.csv", PROGRAMMES_CSV)
    _add_user_sheet(report)
    grown = refresh_workbook(report, several, output=tmp_path / "grown.xlsx")
    grown_names = _sheet_names(grown)
    added = [n for n in grown_names if n not in _sheet_names(report)]
    assert added, grown_names  # the side-by-side and funnel-plot sheets
    assert [f for f in check_workbook(grown) if "Mine" not in str(f)] == []
    single = write(tmp_path / "single.csv", OLD_CSV)
    shrunk = refresh_workbook(grown, single, output=tmp_path / "shrunk.xlsx")
    names = _sheet_names(shrunk)
    assert not set(added) & set(names) and "Mine" in names
    with open_package(shrunk) as package:
        book = open_book(package, shrunk)
        workbook = package.read(book.workbook_part).decode()
        assert "#REF!" not in workbook
        assert all(d.name.lower() != "xlp_sheet_programmes" for d in book.defined_names)
    assert [f for f in check_workbook(shrunk) if "Mine" not in str(f)] == []
    if lo_harness.soffice_path():
        sheets = lo_harness.export_sheets_values(shrunk, tmp_path / "lo")
        assert set(sheets) == set(names)
        assert sheets["Mine"][0][:2] == ["my notes", 42.0]


def _with_cells(path: Path, out: Path, sheet_name: str, cells: dict[str, str]) -> Path:
    """A copy of `path` with inline-string cells typed on `sheet_name` (as a user would)."""
    from xlplugin.ooxml.cells import inline_string_cell, parse_cell
    from xlplugin.ooxml.package import write_package
    from xlplugin.refresh.report import _insert_cells

    with open_package(path) as package:
        book = open_book(package, path)
        part = book.sheet_named(sheet_name).part
        data = package.read(part)
        typed = {parse_cell(ref): inline_string_cell(ref, text).encode() for ref, text in cells.items()}
        book.put(part, _insert_cells(data, typed))
        write_package(package, out, book.changes)
    return out


@pytest.mark.libreoffice
def test_cells_typed_beside_the_report_are_kept(tmp_path, report, new_csv):
    typed = _with_cells(report, tmp_path / "typed.xlsx", "Funnel", {"L3": "checked by JS", "N20": "see email"})
    out = refresh_workbook(typed, new_csv, output=tmp_path / "out.xlsx")
    with open_package(out) as package:
        book = open_book(package, out)
        xml = package.read(book.sheet_named("Funnel").part).decode()
    assert '<c r="L3" t="inlineStr"><is><t>checked by JS</t></is></c>' in xml
    assert '<c r="N20" t="inlineStr"><is><t>see email</t></is></c>' in xml
    assert "Started diversion" in xml
    if lo_harness.soffice_path():
        sheets = lo_harness.export_sheets_values(out, tmp_path / "lo")
        assert sheets["Funnel"][2][11] == "checked by JS" and sheets["Funnel"][19][13] == "see email"


def test_cells_where_the_grown_table_goes_are_refused_unless_forced(tmp_path, report, new_csv):
    from xlplugin.ooxml.cells import cell_ref, parse_range

    with open_package(report) as package:
        r1, c1, r2, c2 = parse_range(open_book(package, report).table_named("xlp_funnel").ref)
    below = cell_ref(r2 + 1, c1 + 2)  # the new sixth stage's row
    typed = _with_cells(report, tmp_path / "typed.xlsx", "Funnel", {below: "my total"})
    before = typed.read_bytes()
    with pytest.raises(InputError) as err:
        refresh_workbook(typed, new_csv)
    assert below in str(err.value) and "--force" in str(err.value)
    assert typed.read_bytes() == before
    out = refresh_workbook(typed, new_csv, force=True, output=tmp_path / "forced.xlsx")
    with open_package(out) as package:
        xml = package.read(open_book(package, out).sheet_named("Funnel").part).decode()
    assert "my total" not in xml


def test_refresh_from_a_csv_keeps_the_recorded_title_and_claims(tmp_path):
    """A report built from a spec, refreshed from a bare CSV, keeps its cover and claims table."""
    from xlplugin.refresh.report import custom_properties
    from xlplugin.report.ownership import read_ownership

    write(tmp_path / "met.csv", OLD_CSV)
    spec = write(
        tmp_path / "met.toml",
        'title = "Met visits: uptake of diversion"\n'
        'data = "met.csv"\n'
        '[[claims]]\ntext = "9%"\nby = "Metropolitan Police"\n'
        'numerator = "Interested in diversion"\ndenominator = "Visited"\n',
    )
    out = tmp_path / "met.xlsx"
    build_report(spec, out)
    new = write(tmp_path / "new.csv", NEW_CSV)
    refresh_workbook(out, new)
    assert "Claims" in _sheet_names(out)
    with open_package(out) as package:
        record = read_ownership(custom_properties(package))
        book = open_book(package, out)
        cover = book.sheet_named(_sheet_names(out)[0])
        cover_xml = package.read(cover.part).decode("utf-8")
        claims_xml = package.read(book.sheet_named("Claims").part).decode("utf-8")
    assert record["spec"]["title"] == "Met visits: uptake of diversion"
    assert "Met visits: uptake of diversion" in cover_xml
    # the claim is judged against the NEW counts: 90/800 = 11.25% is not "9%"
    assert "Metropolitan Police" in claims_xml and "90 of 800" in claims_xml


def test_recorded_claims_naming_a_dropped_stage_need_a_spec(tmp_path):
    write(tmp_path / "met.csv", OLD_CSV)
    spec = write(
        tmp_path / "met.toml",
        'data = "met.csv"\n[[claims]]\ntext = "9%"\nby = "Met"\n'
        'numerator = "Interested in diversion"\ndenominator = "Visited"\n',
    )
    out = tmp_path / "met.xlsx"
    build_report(spec, out)
    before = out.read_bytes()
    new = write(tmp_path / "new.csv", "stage,count\nIdentified for a visit,1000\nSeen,500\n")
    with pytest.raises(InputError, match="Interested in diversion"):
        refresh_workbook(out, new)
    assert out.read_bytes() == before


def test_ownership_record_with_an_infinite_part_count_is_not_ours():
    from xlplugin.report.ownership import read_ownership

    assert read_ownership({"xlplugin": '{"parts": Infinity}'}) is None
    assert read_ownership({"xlplugin": '{"parts": 2}', "xlplugin.1": '{"generator":'}) is None
