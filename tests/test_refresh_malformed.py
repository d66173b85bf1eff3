"""Damaged workbooks are refused as MalformedPart (exit 2, the part named, nothing written), never a crash.

Each case is a fuzz finding (fuzz/fuzz_refresh.py) or one of its class found by reading the code:
a part that workbook.xml or its relationships name but that is not there, and values read from a
part (row and cell references, table ranges, ids, recorded options, encodings) that Excel never
writes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import rezip

from xlplugin.core.errors import InputError
from xlplugin.ooxml.cells import parse_cell, read_cell, read_range, read_row
from xlplugin.ooxml.package import MalformedPart, as_index, read_int
from xlplugin.refresh import refresh_table, refresh_workbook
from xlplugin.report import build_report

CORPUS = Path(__file__).resolve().parent / "data" / "xlsx"
TABLES = CORPUS / "calamine__table-multiple.xlsx"  # table Inventory (A1:C5) on xl/worksheets/sheet1.xml

FUNNEL_CSV = """stage,count,base,unit
Identified for a visit,1000,,people
Visited,669,Identified for a visit,people
Interested in diversion,62,Visited,people
"""


def in_part(part: str, change):
    return lambda name, data: change(data) if name == part else data


def without(part: str):
    """An edit for rezip that leaves the entry `part` out."""
    return lambda name, data: None if name == part else data


def refused_refresh(tmp_path: Path, report, edit) -> MalformedPart:
    """Refreshing the report once its entries have passed through `edit` (see rezip): the refusal."""
    made, csv = report
    book = rezip(made, tmp_path / "book.xlsx", edit)
    return refused(lambda: refresh_workbook(book, csv), book)


def refused(call, book: Path) -> MalformedPart:
    """Run `call`; it must raise MalformedPart, leave `book` as it was and write nothing beside it."""
    before = book.read_bytes()
    listing = sorted(p.name for p in book.parent.iterdir())
    with pytest.raises(MalformedPart) as caught:
        call()
    assert book.read_bytes() == before
    assert sorted(p.name for p in book.parent.iterdir()) == listing
    message = str(caught.value)
    assert message.startswith(f"{book}: the workbook is damaged: "), message
    assert message.endswith("open and re-save it in Excel, or restore a copy")
    return caught.value


@pytest.fixture
def report(tmp_path) -> tuple[Path, Path]:
    csv = tmp_path / "funnel.csv"
    csv.write_text(FUNNEL_CSV, encoding="utf-8")
    out = tmp_path / "made.xlsx"
    build_report(csv, out)
    return out, csv


def _tables_with(tmp_path: Path, part: str, old: bytes, new: bytes) -> Path:
    """The TABLES workbook with the first `old` in `part` replaced by `new`."""
    return rezip(TABLES, tmp_path / "book.xlsx", in_part(part, lambda d: d.replace(old, new, 1)))


@pytest.fixture
def table_csv(tmp_path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text("Item,Qty,Price\na,1,2\nb,3,4\n", encoding="utf-8")
    return path


def sheet_parts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return sorted(n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))


# --------------------------------------------------------------------------------------------
# the shared readers


@pytest.mark.parametrize("text, value", [("0", 0), ("7", 7), ("1048576", 1048576)])
def test_read_int_reads_whole_numbers(text, value):
    assert read_int(text, "xl/styles.xml", "a numFmtId") == value
    assert as_index(text) == value


@pytest.mark.parametrize("text", [None, "", "x", "1.5", "-1", " 7", "1_0", "\u00b2", "\u0663", "1e3", "9" * 16])
def test_read_int_refuses_what_excel_never_writes(text):
    assert as_index(text) is None
    with pytest.raises(MalformedPart) as caught:
        read_int(text, "xl/styles.xml", "a numFmtId")
    assert caught.value.part == "xl/styles.xml"
    assert f"has a numFmtId {text!r}, which is not a whole number" in str(caught.value)
    assert isinstance(caught.value, InputError)


@pytest.mark.parametrize("ref", ["", "A", "1", "A-1", "A0", "A1048577", "XFE1", "ZZZZ1", "A1x", "R1C1"])
def test_cell_references_outside_the_grid_are_malformed(ref):
    with pytest.raises(ValueError):
        parse_cell(ref)
    with pytest.raises(MalformedPart, match=re.escape(f"xl/worksheets/sheet1.xml has a cell whose reference {ref!r}")):
        read_cell(ref, "xl/worksheets/sheet1.xml")


def test_grid_corners_are_cells():
    assert read_cell("A1", "p") == (1, 1)
    assert read_cell("$XFD$1048576", "p") == (1048576, 16384)
    assert read_range("B3:A1", "p", "a ref") == (1, 1, 3, 2)
    with pytest.raises(MalformedPart, match="has a ref 'A1:' that is not a cell range"):
        read_range("A1:", "p", "a ref")


@pytest.mark.parametrize("text", ["", "x", "1.5", "0", "1048577", "\u00b2"])
def test_row_numbers_outside_the_sheet_are_malformed(text):
    with pytest.raises(MalformedPart, match=re.escape(f"has a row numbered {text!r}")):
        read_row(text, "xl/worksheets/sheet1.xml")
    assert read_row("1048576", "p") == 1048576


# --------------------------------------------------------------------------------------------
# refresh --table


@pytest.mark.parametrize("bad", ["", "x", "1.5", "0", "\u00b2"])
def test_table_refresh_refuses_a_row_with_a_bad_number(tmp_path, table_csv, bad):
    """Fuzz finding: int() of <row r> crashed `refresh --table` (ValueError, exit 1)."""
    book = _tables_with(tmp_path, "xl/worksheets/sheet1.xml", b'<row r="2"', f'<row r="{bad}"'.encode())
    error = refused(lambda: refresh_table(book, table_csv, "Inventory"), book)
    assert "xl/worksheets/sheet1.xml (sheet 'Sheet1') has a row numbered" in str(error)


@pytest.mark.parametrize("bad", ["A-1", "B2x", "XFE2", ""])
def test_table_refresh_refuses_a_cell_with_a_bad_reference(tmp_path, table_csv, bad):
    book = _tables_with(tmp_path, "xl/worksheets/sheet1.xml", b'<c r="B2"', f'<c r="{bad}"'.encode())
    if bad == "":
        # r="" is read as "the next column" (as for a cell without r): B, so the refresh goes ahead
        refresh_table(book, table_csv, "Inventory")
        return
    error = refused(lambda: refresh_table(book, table_csv, "Inventory"), book)
    assert f"has a cell whose reference {bad!r}" in str(error)


@pytest.mark.parametrize("ref", ["", "A1:C", "A0:C5", "Sheet1!A1:C5"])
def test_table_refresh_refuses_a_table_whose_ref_is_not_a_range(tmp_path, table_csv, ref):
    book = _tables_with(tmp_path, "xl/tables/table1.xml", b' ref="A1:C5"', f' ref="{ref}"'.encode())
    error = refused(lambda: refresh_table(book, table_csv, "Inventory"), book)
    assert f"xl/tables/table1.xml has a ref {ref!r} that is not a cell range" in str(error)


def test_a_damaged_table_elsewhere_does_not_stop_a_new_table(tmp_path, table_csv):
    """Damage refresh does not read is left alone: a new sheet is still added."""
    book = _tables_with(tmp_path, "xl/tables/table2.xml", b' ref="A1:B5"', b' ref="nowhere"')
    refresh_table(book, table_csv, "NewTable")
    with zipfile.ZipFile(book) as zf:
        assert b'name="NewTable"' in zf.read("xl/workbook.xml")


@pytest.mark.parametrize(
    "declaration, why",
    [
        (b'<?xml version="1.0" encoding="ISO-8859-1" standalone="yes"?>', "declares the encoding 'ISO-8859-1'"),
        (b'<?xml version="1.0" encoding="A1" standalone="yes"?>', "declares the encoding 'A1'"),
    ],
)
def test_parts_in_another_encoding_are_refused(tmp_path, table_csv, declaration, why):
    """Byte offsets and text decoding assume UTF-8 (what Excel writes): others are refused, not mis-spliced."""
    book = rezip(
        TABLES, tmp_path / "book.xlsx", in_part("xl/workbook.xml", lambda d: declaration + d.split(b"?>", 1)[1])
    )
    error = refused(lambda: refresh_table(book, table_csv, "NewTable"), book)
    assert f"xl/workbook.xml {why}; refresh edits only UTF-8 parts" in str(error)


def test_a_utf16_part_is_refused(tmp_path, table_csv):
    def to_utf16(data: bytes) -> bytes:
        text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        return b"\xff\xfe" + text.encode("utf-16-le")

    book = rezip(TABLES, tmp_path / "book.xlsx", in_part("xl/worksheets/sheet1.xml", to_utf16))
    error = refused(lambda: refresh_table(book, table_csv, "Inventory"), book)
    assert "xl/worksheets/sheet1.xml (sheet 'Sheet1') is encoded as UTF-16" in str(error)


# --------------------------------------------------------------------------------------------
# report refresh


def test_report_missing_an_owned_sheet_part_is_refused_naming_it(tmp_path, report):
    """Fuzz finding: a missing worksheet part reached Package.rels(None) (AttributeError, exit 1)."""
    missing = sheet_parts(report[0])[1]
    error = refused_refresh(tmp_path, report, without(missing))
    assert f"{missing} is missing (named by xl/_rels/workbook.xml.rels)" in str(error)
    assert error.part == missing


@pytest.mark.parametrize(
    "change, why",
    [
        (lambda rel: "", "has no relationship"),
        (lambda rel: rel.replace("/>", ' TargetMode="External"/>'), "has no relationship"),
        (
            lambda rel: re.sub(r"relationships/worksheet\"", 'relationships/chartsheet"', rel),
            "the relationship type 'chartsheet', not a worksheet",
        ),
    ],
)
def test_report_whose_sheet_relationship_is_broken_is_refused(tmp_path, report, change, why):
    """Fuzz findings: a dropped or external workbook relationship left an owned sheet without a part."""
    made, csv = report
    target = sheet_parts(made)[0].removeprefix("xl/")

    def edit(data: bytes) -> bytes:
        text = data.decode("utf-8")
        rel = re.search(r'<Relationship [^>]*Target="/?(?:xl/)?' + re.escape(target) + '"[^>]*/>', text).group()
        return text.replace(rel, change(rel)).encode("utf-8")

    book = rezip(made, tmp_path / "book.xlsx", in_part("xl/_rels/workbook.xml.rels", edit))
    error = refused(lambda: refresh_workbook(book, csv), book)
    assert error.part == "xl/_rels/workbook.xml.rels" and why in str(error)


@pytest.mark.parametrize("bad", ["A-1", "A10x", "XFE3", "A0"])
def test_report_cell_with_a_bad_reference_is_refused(tmp_path, report, bad):
    """Fuzz finding (twice): parse_cell's ValueError through sheet_values crashed report refresh."""
    made, csv = report
    parts = sheet_parts(made)
    hit = []

    def edit(name: str, data: bytes) -> bytes:
        if name in parts and not hit:
            new = re.sub(rb'<c r="A3"', f'<c r="{bad}"'.encode(), data, count=1)
            if new != data:
                hit.append(name)
            return new
        return data

    book = rezip(made, tmp_path / "book.xlsx", edit)
    assert hit
    error = refused(lambda: refresh_workbook(book, csv), book)
    assert f"{hit[0]} has a cell whose reference {bad!r} is not a cell of the sheet" in str(error)


def test_report_with_a_bad_number_format_id_is_refused(tmp_path, report):
    bad_id = in_part("xl/styles.xml", lambda d: re.sub(rb'(<numFmt [^>]*numFmtId=")\d+', rb"\1x", d, count=1))
    error = refused_refresh(tmp_path, report, bad_id)
    assert "xl/styles.xml has a numFmtId 'x', which is not a whole number" in str(error)


def test_report_without_a_styles_part_is_refused(tmp_path, report):
    error = refused_refresh(tmp_path, report, without("xl/styles.xml"))
    assert "xl/styles.xml is missing (named by xl/_rels/workbook.xml.rels)" in str(error)


@pytest.mark.parametrize(
    "json_value, why",
    [
        ('"high"', "records the confidence level 'high', which is not a number"),
        ("[0.95]", "records the confidence level [0.95], which is not a number"),
        ("true", "records the confidence level True, which is not a number"),
    ],
)
def test_report_recording_an_unusable_confidence_is_refused(tmp_path, report, json_value, why):
    made, csv = report

    def edit(data: bytes) -> bytes:
        new = re.sub(
            rb"&quot;confidence&quot;:\s*[0-9.]+|\"confidence\":\s*[0-9.]+",
            ('"confidence": ' + json_value).replace('"', "&quot;").encode(),
            data,
            count=1,
        )
        assert new != data
        return new

    book = rezip(made, tmp_path / "book.xlsx", in_part("docProps/custom.xml", edit))
    error = refused(lambda: refresh_workbook(book, csv), book)
    assert f"docProps/custom.xml {why}" in str(error)


def test_cli_refusal_is_exit_2_with_the_message(tmp_path, report):
    made, csv = report
    missing = sheet_parts(made)[1]
    book = rezip(made, tmp_path / "book.xlsx", without(missing))
    result = subprocess.run(
        [sys.executable, "-m", "xlplugin.cli", "refresh", str(book), str(csv)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert f"the workbook is damaged: {missing} is missing" in result.stderr


def _every_sheet(made: Path, target: Path, change) -> Path:
    parts = sheet_parts(made)
    return rezip(made, target, lambda name, data: change(data) if name in parts else data)


@pytest.mark.parametrize("number", [b"inf", b"nan", b"1e999", b"x"])
def test_report_number_cell_that_is_not_a_number_is_refused(tmp_path, report, number):
    """float('inf') from a number cell reached int() in the data-sheet inverse (OverflowError)."""
    made, csv = report
    book = _every_sheet(
        made,
        tmp_path / "book.xlsx",
        lambda d: re.sub(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?><v>)\d+(</v>)', rb"\g<1>" + number + rb"\2", d, count=1),
    )
    error = refused(lambda: refresh_workbook(book, csv), book)
    assert "has a number cell" in str(error) and f"holding {number.decode()!r}, which is not a number" in str(error)


def test_report_cell_showing_a_shared_string_that_is_not_there_is_refused(tmp_path, report):
    made, csv = report
    book = _every_sheet(
        made, tmp_path / "book.xlsx", lambda d: re.sub(rb'(t="s"><v>)\d+(</v>)', rb"\g<1>99999\2", d, count=1)
    )
    error = refused(lambda: refresh_workbook(book, csv), book)
    assert "showing shared string '99999', which the workbook does not have" in str(error)


def test_report_missing_its_shared_strings_is_refused_naming_them(tmp_path, report):
    error = refused_refresh(tmp_path, report, without("xl/sharedStrings.xml"))
    assert "xl/sharedStrings.xml is missing (named by xl/_rels/workbook.xml.rels)" in str(error)


def test_report_whose_owned_sheets_share_a_part_is_refused(tmp_path, report):
    """Both sheets would be rewritten into one part, the second overwriting the first."""
    made, csv = report
    first, second = sheet_parts(made)[:2]

    def edit(data: bytes) -> bytes:
        name = second.removeprefix("xl/").encode()
        return data.replace(b'Target="' + name + b'"', b'Target="' + first.removeprefix("xl/").upper().encode() + b'"')

    book = rezip(made, tmp_path / "book.xlsx", in_part("xl/_rels/workbook.xml.rels", edit))
    with zipfile.ZipFile(book) as zf:
        assert first.removeprefix("xl/").upper().encode() in zf.read("xl/_rels/workbook.xml.rels")
    error = refused(lambda: refresh_workbook(book, csv), book)
    assert f"xl/_rels/workbook.xml.rels names {first} for both sheet" in str(error)


@pytest.mark.parametrize(
    "old, new, why",
    [
        (b'<row r="3"', b'<row r="2"', "has row 2 after row 2; rows must come in order"),
        (b'<row r="4"', b'<row r="1"', "has row 1 after row 3; rows must come in order"),
        (b'<c r="B2"', b'<c r="B7"', "has cell B7 inside row 2"),
    ],
)
def test_table_refresh_refuses_rows_out_of_order_or_cells_in_the_wrong_row(tmp_path, table_csv, old, new, why):
    """Rows and cells are found by their numbers and new rows spliced in order: a muddle is refused."""
    book = rezip(TABLES, tmp_path / "book.xlsx", in_part("xl/worksheets/sheet1.xml", lambda d: d.replace(old, new, 1)))
    error = refused(lambda: refresh_table(book, table_csv, "Inventory"), book)
    assert f"xl/worksheets/sheet1.xml (sheet 'Sheet1') {why}" in str(error)


def test_a_part_that_fails_its_crc_is_malformed_and_named(tmp_path, table_csv):
    """Zip-level damage to one part is the same refusal as damage inside it."""
    book = tmp_path / "book.xlsx"
    with zipfile.ZipFile(TABLES) as zin, zipfile.ZipFile(book, "w") as zout:
        for info in zin.infolist():
            zout.writestr(zipfile.ZipInfo(info.filename, info.date_time), zin.read(info))  # stored
    data = bytearray(book.read_bytes())
    at = data.index(b"<styleSheet")
    data[at + 1] ^= 0x20  # <StyleSheet: the stored bytes no longer match the CRC
    book.write_bytes(bytes(data))
    error = refused(lambda: refresh_table(book, table_csv, "NewTable"), book)
    assert error.part == "xl/styles.xml" and "xl/styles.xml cannot be decompressed (Bad CRC-32" in str(error)
