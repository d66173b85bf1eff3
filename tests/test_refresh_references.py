"""References stay true after `refresh --table`: quoted sheet names, escaped XML, structured references.

- A defined name over a table column on a sheet whose name needs quoting (``'Q1 data'``,
  ``'Q1 & Q2'``, stored as ``'Q1 &amp; Q2'`` in the XML, ``'It''s'``) is stretched to the new rows,
  and LibreOffice's ``=SUM(name)`` shows the new total.
- A formula, defined name, conditional format or validation using a column the new CSV drops
  (``SUM(Exp[Amount])``) makes refresh refuse, naming it (Excel's repair would delete it).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import lo_harness
import pytest
import xlsxwriter
from helpers import add_table

from xlplugin.cli import main
from xlplugin.refresh.references import referenced_columns, unescape

SHEETS = ["Q1 data", "Q1 & Q2", "It's"]
MORE = "Item,Amount\na,10\nb,20\nc,30\nd,100\ne,200\n"  # 360 in all (was 60)


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _book(path: Path, sheet: str, *, structured: bool = False) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    add_table(ws, "A1:B4", "Exp", ["Item", "Amount"], [["a", 10], ["b", 20], ["c", 30]])
    wb.define_name("Amounts", f"={_quoted(sheet)}!$B$2:$B$4")
    ws.write_formula("D1", "=SUM(Amounts)", None, 60)
    if structured:
        ws.write_formula("D2", "=SUM(Exp[Amount])", None, 60)
        wb.define_name("AmountColumn", "=Exp[[#Headers],[Amount]]")
    wb.close()
    return path


def _csv(tmp_path: Path, text: str, name: str = "new.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("sheet", SHEETS)
def test_defined_names_on_quoted_sheets_are_stretched(tmp_path, sheet):
    book = _book(tmp_path / "book.xlsx", sheet)
    assert main(["refresh", str(book), str(_csv(tmp_path, MORE)), "--table", "Exp"]) == 0
    with zipfile.ZipFile(book) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
    escaped = _quoted(sheet).replace("&", "&amp;")
    assert f'<definedName name="Amounts">{escaped}!$B$2:$B$6</definedName>' in workbook


@pytest.mark.libreoffice
def test_libreoffice_sums_the_stretched_names(tmp_path):
    lo_harness.require_soffice()
    books = []
    for i, sheet in enumerate(SHEETS):
        book = _book(tmp_path / f"book{i}.xlsx", sheet)
        assert main(["refresh", str(book), str(_csv(tmp_path, MORE)), "--table", "Exp"]) == 0
        books.append(book)
    exported = lo_harness.export_many(books, tmp_path / "lo", typed=True)
    for book, sheet in zip(books, SHEETS, strict=True):
        rows = exported[book.resolve()][sheet]
        assert rows[0][3] == 360, (sheet, rows[0])


def test_a_removed_column_used_by_formulas_is_refused(tmp_path, capsys):
    book = _book(tmp_path / "book.xlsx", "Q1 data", structured=True)
    before = book.read_bytes()
    fewer = _csv(tmp_path, "Item,Cost\na,1\n")
    assert main(["refresh", str(book), str(fewer), "--table", "Exp"]) == 2
    err = capsys.readouterr().err
    assert "no column 'Amount' of table 'Exp'" in err
    assert "sheet 'Q1 data' cell D2: =SUM(Exp[Amount])" in err
    assert "defined name 'AmountColumn': =Exp[[#Headers],[Amount]]" in err
    assert book.read_bytes() == before
    # a kept column is no reason to refuse; --force writes it
    assert main(["refresh", str(book), str(_csv(tmp_path, "Item,Amount,Cost\na,1,2\n")), "--table", "Exp"]) == 0
    assert main(["refresh", str(book), str(fewer), "--table", "Exp", "--force"]) == 0


@pytest.mark.parametrize(
    "formula,columns",
    [
        ("SUM(Exp[Amount])", ["Amount"]),
        ("Exp[[#Headers],[Amount]]", ["Amount"]),
        ("SUM(Exp[[Item]:[Amount]])", ["Item", "Amount"]),
        ("Exp[@Amount]*2", ["Amount"]),
        ("Exp[@[Unit '[gbp']]]", ["Unit [gbp]"]),
        ("SUM(MyExp[Amount])+Exp[#All]", []),
        ("exp[amount]", ["amount"]),
    ],
)
def test_structured_reference_columns(formula, columns):
    assert referenced_columns(formula, "Exp") == columns


def test_unescape():
    assert unescape("'Q1 &amp; Q2'!A1&lt;&#39;&#x41;") == "'Q1 & Q2'!A1<'A"


def test_refresh_command_runs_in_a_fresh_interpreter(tmp_path):
    """`xlplugin refresh` imports the refresh package by its full name (not the API facade's function)."""
    book = _book(tmp_path / "book.xlsx", "Q1 data")
    result = subprocess.run(
        [sys.executable, "-m", "xlplugin.cli", "refresh", str(book), str(_csv(tmp_path, MORE)), "--table", "Exp"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("wrote ")
