"""Hand edits of what the report owns, made in LibreOffice through UNO, are refused naming the cells.

Each bypass the "edited by hand" check once had: a renamed header, a column inserted inside an
owned table (LibreOffice grows the table), a deleted or damaged Data sheet, and text edited on
Cover, Contents or Notes. And the false refusals that pushed users to --force: a literal [z]
note in the input, and an openpyxl re-save (which drops formula cached values).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_refresh_report import NEW_CSV, OLD_CSV
from test_refresh_uno import _require_uno, _uno

from xlplugin.cli import main
from xlplugin.ooxml.book import open_book
from xlplugin.ooxml.cells import cell_ref, parse_range
from xlplugin.ooxml.package import open_package
from xlplugin.report import build_report


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hand-edits")
    csv = folder / "old.csv"
    csv.write_text(OLD_CSV, encoding="utf-8")
    out = folder / "report.xlsx"
    build_report(csv, out)
    return out


def _table_cell(path: Path, table: str, row: int, column: int) -> str:
    with open_package(path) as package:
        found = open_book(package, path).table_named(table)
        r1, c1, _, _ = parse_range(found.ref)
    return cell_ref(r1 + row, c1 + column)


def _refresh(book: Path, tmp_path: Path, capsys, *extra: str) -> tuple[int, str]:
    csv = tmp_path / "new.csv"
    csv.write_text(NEW_CSV, encoding="utf-8")
    capsys.readouterr()
    code = main(["refresh", str(book), str(csv), *extra])
    return code, capsys.readouterr().err


CASES = {
    # name: (edit kind, sheet, where (table, row, column) or a cell, what the refusal must name)
    "renamed header": ("rename", "Funnel", ("xlp_funnel", 0, 1), "sheet 'Funnel' {cell}"),
    "inserted column": ("insert-column", "Funnel", ("xlp_funnel", 0, 2), "rows or columns added or removed"),
    "deleted data sheet": ("delete-sheet", "Data", "A1", "the data table xlp_data"),
    "n/a in a count": ("type", "Data", ("xlp_data", 1, 1), "sheet 'Data' {cell}"),
    "cover text": ("rename", "Cover", "A1", "sheet 'Cover' A1"),
    "contents text": ("rename", "Contents", "A2", "sheet 'Contents' A2"),
    "notes text": ("rename", "Notes", "A1", "sheet 'Notes' A1"),
    # text added after a line's fixed start (the file name, hash or time follow it) was once let through
    "cover line keeping its start": ("append", "Cover", "Workbook generated: ", "sheet 'Cover' {cell}"),
}


def _line_cell(path: Path, sheet: str, start: str) -> str:
    """The column-A cell of `sheet` whose text starts with `start`."""
    from openpyxl import load_workbook

    ws = load_workbook(path)[sheet]
    return next(f"A{c.row}" for c in ws["A"] if isinstance(c.value, str) and c.value.startswith(start))


@pytest.mark.libreoffice
@pytest.mark.parametrize("case", list(CASES))
def test_hand_edit_in_libreoffice_is_refused_naming_it(report, tmp_path, capsys, case):
    _require_uno()
    kind, sheet, where, expected = CASES[case]
    if isinstance(where, tuple):
        cell = _table_cell(report, *where)
    else:
        cell = where if where[:1].isupper() and where[1:].isdigit() else _line_cell(report, sheet, where)
    edited = tmp_path / "edited.xlsx"
    _uno("hand-edit", str(report), str(edited), kind, sheet, cell)
    before = edited.read_bytes()
    code, err = _refresh(edited, tmp_path, capsys)
    assert code == 2, err
    assert "edited by hand" in err and expected.format(cell=cell) in err, err
    assert edited.read_bytes() == before
    code, err = _refresh(edited, tmp_path, capsys, "--force")
    assert code == 0, err


@pytest.mark.libreoffice
def test_untouched_libreoffice_resave_is_not_an_edit(report, tmp_path, capsys):
    _require_uno()
    resaved = tmp_path / "resaved.xlsx"
    _uno("hand-edit", str(report), str(resaved), "type", "Data", "Z99")  # a cell outside everything
    code, err = _refresh(resaved, tmp_path, capsys)
    assert code == 0, err


def test_a_literal_z_note_is_not_an_edit(tmp_path, capsys):
    csv = tmp_path / "z.csv"
    csv.write_text("stage,count,base,unit,note\nA,100,,people,\nB,50,A,people,[z]\nC,20,B,people,x\n", encoding="utf-8")
    book = tmp_path / "z.xlsx"
    assert main(["report", str(csv), "-o", str(book)]) == 0
    assert main(["refresh", str(book), str(csv)]) == 0, capsys.readouterr().err


def test_an_openpyxl_resave_is_not_an_edit(report, tmp_path, capsys):
    """openpyxl keeps formulas but drops their cached values: refresh compares what it would write."""
    from openpyxl import load_workbook

    resaved = tmp_path / "openpyxl.xlsx"
    load_workbook(report).save(resaved)
    code, err = _refresh(resaved, tmp_path, capsys)
    assert code == 0, err


#: Lines whose start is fixed and whose end is the file name, hash, time or version, on each front sheet.
PREFIX_LINES = [
    ("Cover", "Workbook generated: "),
    ("Cover", "Data: "),
    ("Data", "Source file: "),
    ("Data", "Generated: "),
]


@pytest.mark.parametrize(("sheet", "start"), PREFIX_LINES)
def test_text_added_after_a_lines_fixed_start_is_an_edit(report, tmp_path, capsys, sheet, start):
    """openpyxl edit: the line keeps its start, so a comparison by prefix once let it through."""
    from openpyxl import load_workbook

    edited = tmp_path / "edited.xlsx"
    wb = load_workbook(report)
    cell = _line_cell(report, sheet, start)
    wb[sheet][cell].value = wb[sheet][cell].value + " (checked by J. Bloggs)"
    wb.save(edited)
    before = edited.read_bytes()
    code, err = _refresh(edited, tmp_path, capsys)
    assert code == 2, err
    assert "edited by hand" in err, err
    if sheet == "Cover":
        assert f"sheet 'Cover' {cell}" in err, err
    elif start == "Generated: ":  # the data sheet's time no longer reads: named there
        assert "sheet 'Data' the provenance" not in err and f"sheet 'Data' {cell} (the generation time" in err, err
    else:  # the cover and the notes are then not what this file name would give
        assert "sheet 'Cover'" in err, err
    assert edited.read_bytes() == before


@pytest.mark.parametrize("sheet", ["Contents", "Notes"])
def test_any_change_to_a_front_sheets_line_is_an_edit(report, tmp_path, capsys, sheet):
    from openpyxl import load_workbook

    edited = tmp_path / "edited.xlsx"
    wb = load_workbook(report)
    ws = wb[sheet]
    last = max(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.strip())
    ws[f"A{last}"].value = ws[f"A{last}"].value + "."
    ws[f"A{last + 1}"].value = "A line of my own in the report's column"
    wb.save(edited)
    code, err = _refresh(edited, tmp_path, capsys)
    assert code == 2, err
    named = err.split(f"sheet '{sheet}' ", 1)[1].split(" (they no longer match", 1)[0].split(", ")
    assert sorted(named) == [f"A{last}", f"A{last + 1}"], err


def test_a_report_from_a_spec_refreshed_twice_from_a_csv_is_not_an_edit(tmp_path, capsys):
    """The cover gains a line once refreshed from a bare CSV; both versions are the report's own."""
    spec_folder = Path(__file__).resolve().parents[1] / "workbooks" / "examples"
    book = tmp_path / "spec.xlsx"
    assert main(["report", str(spec_folder / "met-2020-visits.toml"), "-o", str(book)]) == 0
    csv = tmp_path / "new.csv"
    csv.write_text(NEW_CSV, encoding="utf-8")
    assert main(["refresh", str(book), str(csv)]) == 0, capsys.readouterr().err
    assert main(["refresh", str(book), str(csv)]) == 0, capsys.readouterr().err
