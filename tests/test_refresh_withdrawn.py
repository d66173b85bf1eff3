"""Nothing withdrawn stays behind: after a LibreOffice re-save, a note refresh removed is in no part.

A re-save moves every text cell into ``sharedStrings.xml``; refresh replaces the owned sheets
(inline strings), so the old note's shared string must go too, while the user's own text stays.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import lo_harness
import pytest

from xlplugin.cli import main
from xlplugin.ooxml.book import open_book
from xlplugin.ooxml.package import open_package
from xlplugin.refresh.strings import drop_unused_strings, used_indices

SECRET = "Includes 3 visits to the home of DC Jane Bloggs (do not release)"
OLD = f"""stage,count,base,unit,note
Identified for a visit,1000,,people,
Visited,669,Identified for a visit,people,"{SECRET}"
Interested in diversion,62,Visited,people,
"""
NEW = """stage,count,base,unit,note
Identified for a visit,1000,,people,
Visited,669,Identified for a visit,people,
Interested in diversion,62,Visited,people,
"""


def _texts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name).decode("utf-8", "replace") for name in zf.namelist()}


@pytest.mark.libreoffice
def test_a_removed_note_is_in_no_part_after_a_libreoffice_resave(tmp_path):
    lo_harness.require_soffice()
    old_csv, new_csv = tmp_path / "old.csv", tmp_path / "new.csv"
    old_csv.write_text(OLD, encoding="utf-8")
    new_csv.write_text(NEW, encoding="utf-8")
    report = tmp_path / "report.xlsx"
    assert main(["report", str(old_csv), "-o", str(report)]) == 0
    resaved = lo_harness.convert(report, "xlsx", tmp_path / "resaved")
    shared = _texts(resaved).get("xl/sharedStrings.xml", "")
    assert "Jane Bloggs" in shared  # the re-save put the note's text into shared strings
    assert main(["refresh", str(resaved), str(new_csv)]) == 0, "refresh refused"
    holding = [name for name, text in _texts(resaved).items() if "Jane Bloggs" in text]
    assert holding == [], holding
    # the user's own text (the Data sheet's stage names are shown again) is still shown
    sheets = lo_harness.export_sheets_csv(resaved, tmp_path / "lo")
    assert any("Visited" in cell for rows in sheets.values() for row in rows for cell in row)


def test_used_indices_reads_prefixed_and_formula_cells():
    data = (
        b'<x:sheetData><x:row><x:c r="A1" t="s"><x:v>3</x:v></x:c><c r="B1" s="2" t="s"><v> 7 </v></c>'
        b'<c r="C1" t="str"><f>A1</f><v>9</v></c><c r="D1"><v>5</v></c><c r="E1" t="s"/></x:row></x:sheetData>'
    )
    assert used_indices(data) == {3, 7}


def test_only_withdrawn_strings_are_emptied(tmp_path):
    """A cell showing "secret" is removed: its string is emptied; others, and orphans from before, stay."""
    import xlsxwriter

    path = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(str(path))  # XlsxWriter writes shared strings
    ws = wb.add_worksheet("S")
    ws.write_string("A1", "kept")
    ws.write_string("A2", "secret")
    wb.close()
    with zipfile.ZipFile(path) as zf:  # an orphan string that no cell showed before the refresh
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace(b"</sst>", b"<si><t>orphan</t></si></sst>")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with open_package(path) as package:
        book = open_book(package, path)
        sheet = book.sheet_part(book.sheets[0])
        data = book.current(sheet)
        book.put(sheet, data.replace(b'<c r="A2" t="s"><v>1</v></c>', b""))
        assert drop_unused_strings(book) == 1
        strings = book.current("xl/sharedStrings.xml")
    assert b"kept" in strings and b"secret" not in strings and b"orphan" in strings
    assert strings.count(b"<si>") == 3  # indices stay where they were


@pytest.mark.libreoffice
def test_content_types_lose_the_overrides_of_deleted_parts(tmp_path):
    """After a LibreOffice re-save (which lists .rels parts as overrides), no override names a deleted part."""
    lo_harness.require_soffice()
    old_csv, new_csv = tmp_path / "old.csv", tmp_path / "new.csv"
    old_csv.write_text(OLD, encoding="utf-8")
    new_csv.write_text(NEW.replace("Interested in diversion,62", "Interested in diversion,70"), encoding="utf-8")
    report = tmp_path / "report.xlsx"
    assert main(["report", str(old_csv), "-o", str(report)]) == 0
    resaved = lo_harness.convert(report, "xlsx", tmp_path / "resaved")
    assert main(["refresh", str(resaved), str(new_csv)]) == 0
    with zipfile.ZipFile(resaved) as zf:
        names = {n.lower() for n in zf.namelist()}
        types = zf.read("[Content_Types].xml").decode()
    import re

    overrides = [p.lstrip("/").lower() for p in re.findall(r'PartName="([^"]+)"', types)]
    assert [p for p in overrides if p not in names] == []


# --------------------------------------------------------------------------------------------
# docProps/app.xml: the titles list the workbook's worksheets, in order, and only names it defines

MULTI = """programme,stage,count,base,unit
North,Identified,1000,,people
North,Visited,669,Identified,people
South,Identified,800,,people
South,Visited,500,Identified,people
East,Identified,700,,people
East,Visited,300,Identified,people
"""
SINGLE = """stage,count,base,unit
Identified,1000,,people
Visited,669,Identified,people
"""


def _sheets_and_titles(path: Path) -> tuple[list[str], list[str], list[str]]:
    from xlplugin.ooxml.apptitles import NAMED_RANGES_HEADINGS, _listed, worksheet_titles

    with open_package(path) as package:
        names = [s.name for s in open_book(package, path).sheets]
        app = package.read("docProps/app.xml")
    return names, worksheet_titles(app) or [], _listed(app, NAMED_RANGES_HEADINGS, "app.xml") or []


def test_app_titles_follow_the_sheets_a_refresh_removes_and_adds(tmp_path):
    multi, single = tmp_path / "multi.csv", tmp_path / "single.csv"
    multi.write_text(MULTI, encoding="utf-8")
    single.write_text(SINGLE, encoding="utf-8")
    book = tmp_path / "report.xlsx"
    assert main(["report", str(multi), "-o", str(book)]) == 0
    names, titles, _ = _sheets_and_titles(book)
    assert "Funnel plot limits" in names and titles == names
    assert main(["refresh", str(book), str(single)]) == 0
    names, titles, ranges = _sheets_and_titles(book)
    assert (
        titles
        == names
        == [
            "Cover",
            "Contents",
            "Notes",
            "Funnel",
            "Funnel chart",
            "Denominators",
            "Denominators chart",
            "Data",
        ]
    )
    assert "xlp_sheet_programmes" not in ranges and "xlp_sheet_funnel" in ranges
    # unzipped, no part names the withdrawn sheets any more
    holding = [name for name, text in _texts(book).items() if "Funnel plot limits" in text or "Programmes" in text]
    assert holding == [], holding
    assert main(["refresh", str(book), str(multi)]) == 0
    names, titles, ranges = _sheets_and_titles(book)
    assert titles == names and "Funnel plot limits" in names
    assert ranges[-3:] == ["xlp_sheet_programmes", "xlp_sheet_funnel_plot", "xlp_sheet_funnel_plot_limits"]


def test_app_titles_follow_a_sheet_that_refresh_moves_back(tmp_path):
    """Issue 14: Book.move_sheet reordered workbook.xml but not app.xml."""
    import re

    source = tmp_path / "single.csv"
    source.write_text(SINGLE, encoding="utf-8")
    book = tmp_path / "report.xlsx"
    assert main(["report", str(source), "-o", str(book)]) == 0
    parts = _texts(book)
    # the user drags Funnel to the end (Excel writes the new order into workbook.xml and app.xml)
    wb = parts["xl/workbook.xml"]
    funnel = re.search(r'<sheet name="Funnel" [^>]*/>', wb).group()
    parts["xl/workbook.xml"] = wb.replace(funnel, "").replace("</sheets>", funnel + "</sheets>")
    app = parts["docProps/app.xml"]
    parts["docProps/app.xml"] = app.replace("<vt:lpstr>Funnel</vt:lpstr>", "").replace(
        "<vt:lpstr>Data</vt:lpstr>", "<vt:lpstr>Data</vt:lpstr><vt:lpstr>Funnel</vt:lpstr>"
    )
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(moved, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, parts[info.filename].encode("utf-8") if info.filename in parts else zin.read(info))
    names, titles, _ = _sheets_and_titles(moved)
    assert names[-1] == "Funnel" and titles == names
    assert main(["refresh", str(moved), str(source)]) == 0
    names, titles, _ = _sheets_and_titles(moved)
    assert names[3] == "Funnel" and titles == names


def test_app_titles_editor_keeps_other_headings_and_leaves_a_damaged_part():
    from xlplugin.ooxml.apptitles import with_named_range_titles, with_worksheet_titles, worksheet_titles

    app = (
        b'<Properties xmlns:vt="v"><HeadingPairs><vt:vector size="6" baseType="variant">'
        b"<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>2</vt:i4></vt:variant>"
        b"<vt:variant><vt:lpstr>Charts</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant>"
        b"<vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant><vt:variant><vt:i4>2</vt:i4></vt:variant>"
        b'</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="5" baseType="lpstr">'
        b"<vt:lpstr>A</vt:lpstr><vt:lpstr>B &amp; C</vt:lpstr><vt:lpstr>Chart1</vt:lpstr>"
        b"<vt:lpstr>'B &amp; C'!Print_Titles</vt:lpstr><vt:lpstr>gone</vt:lpstr>"
        b"</vt:vector></TitlesOfParts></Properties>"
    )
    new = with_worksheet_titles(app, ["B & C", "New", "A"])
    assert worksheet_titles(new) == ["B & C", "New", "A"]
    assert b'<vt:vector size="6" baseType="lpstr">' in new and b"<vt:i4>3</vt:i4>" in new
    assert b"<vt:lpstr>Chart1</vt:lpstr>" in new  # the chart sheets' heading is not ours to change
    ranges = with_named_range_titles(new, ["kept"], ["B & C", "New", "A"])
    assert ranges.endswith(
        b"<vt:lpstr>Chart1</vt:lpstr><vt:lpstr>'B &amp; C'!Print_Titles</vt:lpstr><vt:lpstr>kept</vt:lpstr>"
        b"</vt:vector></TitlesOfParts></Properties>"
    )
    damaged = app.replace(b"<vt:i4>2</vt:i4>", b"<vt:i4>9</vt:i4>", 1)  # counts that do not add up
    assert with_worksheet_titles(damaged, ["X"]) == damaged
    assert with_worksheet_titles(b"<Properties/>", ["X"]) == b"<Properties/>"


def test_comments_on_a_sheet_refresh_removes_are_refused_then_go_with_it(tmp_path, capsys):
    """The comments part of a removed sheet was left in the package, unreferenced, with its text and author."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment

    multi, single = tmp_path / "multi.csv", tmp_path / "single.csv"
    multi.write_text(MULTI, encoding="utf-8")
    single.write_text(SINGLE, encoding="utf-8")
    report = tmp_path / "report.xlsx"
    assert main(["report", str(multi), "-o", str(report)]) == 0
    wb = load_workbook(report)
    wb["Programmes"]["H2"].comment = Comment("South's figure is provisional", "Jane Bloggs")
    book = tmp_path / "commented.xlsx"
    wb.save(book)
    assert any("Jane Bloggs" in text for text in _texts(book).values())
    capsys.readouterr()
    assert main(["refresh", str(book), str(single)]) == 2
    assert "sheet 'Programmes' comments" in capsys.readouterr().err
    assert main(["refresh", str(book), str(single), "--force"]) == 0
    holding = [name for name, text in _texts(book).items() if "Jane Bloggs" in text or "provisional" in text]
    assert holding == [], holding
