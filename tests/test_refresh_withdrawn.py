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
