"""One reading of numbers for funnel counts and `refresh --table`, and ASCII digits only.

`1.000` in a `;` file (a decimal-comma locale) is one thousand for both readers; in a comma
file a count `1.000` is ambiguous and refused naming the cell. Counts beyond 10^15 (which a
cell cannot hold exactly) and non-ASCII digits are refused; a 309-digit count does not crash.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from xlplugin.cli import main
from xlplugin.core.counts import parse_count
from xlplugin.inputs.csvinput import parse_number
from xlplugin.inputs.spec import load_input_table
from xlplugin.refresh.table import read_grid

SMALL = Path(__file__).parent / "data" / "xlsx" / "calamine__table-multiple.xlsx"


def _write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_semicolon_file_thousands_for_funnels_and_tables(tmp_path):
    funnel = _write(tmp_path, "f.csv", "stage;count\nA;12.345\nB;2.500\nC;1.000\n")
    counts = [s.count.exact for s in load_input_table(funnel)[0].programmes[0].stages]
    assert counts == [12345, 2500, 1000]
    table = _write(tmp_path, "t.csv", "Name;Amount\nA;1.000\nB;2.500\nC;12.345\n")
    assert [row[1] for row in read_grid(table).rows] == [1000, 2500, 12345]


def test_semicolon_file_with_decimal_points_keeps_them(tmp_path):
    table = _write(tmp_path, "t.csv", "Name;Share\nA;0.25\nB;66.9\n")
    assert [row[1] for row in read_grid(table).rows] == [0.25, 66.9]


def test_semicolon_table_refresh_writes_thousands(tmp_path):
    book = tmp_path / "book.xlsx"
    shutil.copyfile(SMALL, book)
    table = _write(tmp_path, "t.csv", "Name;Amount\nA;1.000\nB;2.500\n")
    assert main(["refresh", str(book), str(table), "--table", "Semi"]) == 0
    with zipfile.ZipFile(book) as zf:
        sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    assert any(b"<v>1000</v>" in s and b"<v>2500</v>" in s for s in sheets)


def test_comma_file_count_1_000_is_ambiguous_naming_the_cell(tmp_path, capsys):
    funnel = _write(tmp_path, "f.csv", "stage,count\nA,1.000\nB,669\n")
    assert main(["rates", str(funnel)]) == 2
    err = capsys.readouterr().err
    assert "f.csv, line 2, column 'count': '1.000' is ambiguous" in err
    assert parse_count("669.0").exact == 669  # Excel's way of writing a whole number stays fine


@pytest.mark.parametrize("text", ["1٣4", "١٢", "12３", "²"])
def test_counts_are_ascii_digits(text):
    with pytest.raises(ValueError, match="is not a count"):
        parse_count(text)
    assert parse_number(text) is None  # --table keeps it as the text it is


def test_counts_over_ten_to_the_fifteen_are_refused():
    assert parse_count("1000000000000000").exact == 10**15
    with pytest.raises(ValueError, match="over 10\\^15"):
        parse_count("1000000000000001")
    with pytest.raises(ValueError, match="over 10\\^15"):
        parse_count("9" * 309)
    with pytest.raises(ValueError, match="over 10\\^15"):
        parse_count(float(2**60))


def test_309_digit_count_is_exit_2(tmp_path, capsys):
    funnel = _write(tmp_path, "f.csv", f"stage,count\nA,{'9' * 309}\nB,1\n")
    assert main(["report", str(funnel), "-o", str(tmp_path / "r.xlsx")]) == 2
    assert "line 2, column 'count'" in capsys.readouterr().err
    assert not (tmp_path / "r.xlsx").exists()
