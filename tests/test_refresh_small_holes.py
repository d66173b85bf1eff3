"""Smaller holes: a doctored ownership record, reserved table names, sheet names in UTF-16 units."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from xlplugin.cli import main
from xlplugin.ooxml.book import validate_sheet_name, validate_table_name

EXAMPLES = Path(__file__).parent / "data" / "examples"
SMALL = Path(__file__).parent / "data" / "xlsx" / "calamine__table-multiple.xlsx"


def _rewrite(path: Path, part: str, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            if info.filename == part:
                assert old in data
                data = data.replace(old, new)
            zf.writestr(info, data)


@pytest.mark.parametrize("link", [b"file:///\\\\\\\\host\\\\share", b"javascript:alert(1)//", b"https://a b"])
def test_a_doctored_recorded_spec_is_refused_like_a_spec_file(tmp_path, capsys, link):
    book = tmp_path / "met.xlsx"
    assert main(["report", str(EXAMPLES / "met-2020-visits.toml"), "-o", str(book)]) == 0
    _rewrite(book, "docProps/custom.xml", b"https://www.lbc.co.uk", link)
    before = book.read_bytes()
    assert main(["refresh", str(book), str(EXAMPLES / "met-2020-visits.csv")]) == 2
    err = capsys.readouterr().err
    assert "the report spec recorded in this workbook is damaged" in err and "source_url" in err, err
    assert book.read_bytes() == before


@pytest.mark.parametrize("name", ["Print_Area", "print_titles", "_xlnm.Criteria", "TRUE", "False", "_FilterDatabase"])
def test_reserved_table_names_are_refused(tmp_path, capsys, name):
    assert validate_table_name(name), name
    book = tmp_path / "book.xlsx"
    shutil.copyfile(SMALL, book)
    csv = tmp_path / "t.csv"
    csv.write_text("A,B\n1,2\n", encoding="utf-8")
    assert main(["refresh", str(book), str(csv), "--table", name, "--sheet", "New"]) == 2
    assert "reserves" in capsys.readouterr().err


def test_sheet_names_count_utf16_units():
    assert validate_sheet_name("a" * 31) == []
    assert validate_sheet_name("\U0001f600" * 15 + "a") == []  # 31 units
    problems = validate_sheet_name("\U0001f600" * 16)  # 16 characters, 32 UTF-16 units
    assert problems and "32 characters" in str(problems[0])
