"""CSV input: real-world dialects read to the same funnel; every bad input gets a located message."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlplugin.inputs import csvinput
from xlplugin.inputs.csvinput import (
    InputError,
    column_letter,
    parse_number,
    read_funnel,
    read_funnel_table,
    read_table,
    sniff_delimiter,
)

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "csv"
EXAMPLES = DATA / "examples"

# The founding case, with a pound sign and an accent in stage names so encodings show.
ROWS = [
    ["stage", "count", "base", "unit", "note"],
    ["Identified for a visit", "1,000", "", "people", "Violent offence ≥3 times".replace("≥", "at least ")],
    ["Visited", "669", "Identified for a visit", "people", ""],
    ["Follow-up engagements", "156", "Visited", "contacts", "Engagements; not people"],
    ["Intéressé: £0 diversion", "62", "Visited", "people", "Said yes, 9,3 %"],
    ["Contacted police", "20", "none", "people", ""],
]
EXPECTED = [
    ("Identified for a visit", 1000, None, "people"),
    ("Visited", 669, "Identified for a visit", "people"),
    ("Follow-up engagements", 156, "Visited", "contacts"),
    ("Intéressé: £0 diversion", 62, "Visited", "people"),
    ("Contacted police", 20, None, "people"),
]


def summary(funnel):
    (programme,) = funnel.programmes
    return [(s.name, s.count.exact, s.base, s.unit) for s in programme.stages]


def render(rows, delimiter=",", newline="\n", quoting=csv.QUOTE_MINIMAL) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting).writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------------------------
# dialects


DIALECTS = {
    "utf8-bom-crlf": ("utf-8-sig", ",", b"\xef\xbb\xbf" + render(ROWS, newline="\r\n").encode("utf-8")),
    "cp1252-semicolon": ("cp1252", ";", render(ROWS, delimiter=";", newline="\r\n").encode("cp1252")),
    "cr-only": ("utf-8", ",", render(ROWS, newline="\r").encode("utf-8")),
    "tab": ("utf-8", "\t", render(ROWS, delimiter="\t").encode("utf-8")),
    "pipe-quote-all": ("utf-8", "|", render(ROWS, delimiter="|", quoting=csv.QUOTE_ALL).encode("utf-8")),
    "utf16-le-bom": ("utf-16-le", "\t", b"\xff\xfe" + render(ROWS, delimiter="\t", newline="\r\n").encode("utf-16-le")),
    "utf16-be-bom": ("utf-16-be", ",", b"\xfe\xff" + render(ROWS).encode("utf-16-be")),
    # hand-edited: trailing commas, blank lines, a line of only commas, spaces after commas,
    # header in another case and order, an unknown column, and no newline at the end
    "messy": (
        "utf-8",
        ",",
        (
            "\n"
            " Unit , STAGE,Count ,Base,Note,Source,,,\n"
            'people, Identified for a visit,"1,000",,"Violent offence at least 3 times",FOI,,\n'
            "\n"
            ",,,,,\n"
            "people,Visited,669,Identified for a visit,,FOI,\n"
            'contacts,Follow-up engagements, "156",Visited,"Engagements; not people",\n'
            "  \n"
            'people,"Intéressé: £0 diversion",62,Visited,"Said yes, 9,3 %"\n'
            "people,Contacted police,20,none"
        ).encode(),
    ),
    # Excel's `sep=` hint line, decimal commas in a note, a German thousands separator
    "excel-sep-line": (
        "cp1252",
        ";",
        (
            "sep=;\r\n"
            + render(
                [["stage", "count", "base", "unit", "note"]]
                + [[r[0], "1.000" if r[1] == "1,000" else r[1]] + r[2:] for r in ROWS[1:]],
                delimiter=";",
                newline="\r\n",
            )
        ).encode("cp1252"),
    ),
}


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_dialect_reads_to_the_same_funnel(tmp_path, dialect):
    encoding, delimiter, data = DIALECTS[dialect]
    path = write(tmp_path, f"{dialect}.csv", data)
    funnel, table = read_funnel_table(path)
    assert summary(funnel) == EXPECTED
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert funnel.source == str(path)
    notes = [s.note for s in funnel.programmes[0].stages]
    assert notes[3] == "Said yes, 9,3 %"  # quoted separators and decimal commas stay inside a field


def test_messy_file_keeps_true_line_numbers_and_unknown_columns(tmp_path):
    path = write(tmp_path, "messy.csv", DIALECTS["messy"][2])
    funnel, table = read_funnel_table(path)
    assert [s.line for s in funnel.programmes[0].stages] == [3, 6, 7, 9, 10]
    assert table.lines == [3, 6, 7, 9, 10]
    assert table.header_line == 2
    assert table.header == ["Unit", "STAGE", "Count", "Base", "Note", "Source"]  # trailing commas dropped
    assert table.rows[0] == ["people", "Identified for a visit", "1,000", "", "Violent offence at least 3 times", "FOI"]
    assert table.rows[-1][-2:] == ["", ""]  # short rows padded to the header's width


def test_cr_only_file_counts_lines(tmp_path):
    path = write(tmp_path, "mac.csv", DIALECTS["cr-only"][2])
    assert [s.line for s in read_funnel(path).programmes[0].stages] == [2, 3, 4, 5, 6]


def test_bytes_source_and_name():
    table = read_table(b"stage,count\nA,1\n", name="upload.csv")
    assert (table.name, table.header, table.rows, table.lines) == ("upload.csv", ["stage", "count"], [["A", "1"]], [2])
    assert read_table(b"a,b\n1,2\n").name == "<data>"


def test_quoted_field_with_line_breaks_keeps_the_line_it_starts_on():
    table = read_table(b'stage,count,note\r\nA,1,"two\r\nlines"\r\nB,2,\r\n')
    assert table.rows == [["A", "1", "two\nlines"], ["B", "2", ""]]
    assert table.lines == [2, 4]


def test_semicolon_file_with_decimal_commas_is_read_as_semicolon():
    text = "stage;count;rate\nA;1000;66,9\nB;669;9,27\nC;62;\n"
    assert sniff_delimiter(text) == ";"
    table = read_table(text.encode())
    assert table.rows[0] == ["A", "1000", "66,9"]


def test_quoted_delimiters_are_not_evidence():
    # every comma is inside quotes: the separator is the semicolon
    text = '"stage, name";"count";"note"\n"A, first";"1,000";"x, y, z"\n"B";"5";""\n'
    assert sniff_delimiter(text) == ";"
    # a comma file whose notes contain semicolons
    text = "stage,count,note\nA,10,a;b;c;d\nB,5,x;y\n"
    assert sniff_delimiter(text) == ","


def test_one_column_file_falls_back_to_comma():
    assert sniff_delimiter("stage\nA\nB\n") == ","


def test_space_after_closing_quote_is_read_leniently():
    table = read_table(b'stage, count ,note\n"A" ,5, "x, y"\n')
    assert table.header == ["stage", "count", "note"]
    assert table.rows == [["A ", "5", "x, y"]]
    assert read_funnel(b'stage,count\n"A" ,5\n').programmes[0].stages[0].name == "A"


def test_byte_order_mark_is_not_part_of_the_header():
    table = read_table("\ufeff stage,count\nCafé,5\n".encode("utf-8-sig"))
    assert (table.encoding, table.header) == ("utf-8-sig", ["stage", "count"])
    # a second BOM after blank lines (files pasted together) is dropped too
    assert read_table("\n\ufeffstage,count\nA,1\n".encode()).header == ["stage", "count"]


def test_undefined_cp1252_bytes_are_refused_as_control_characters():
    with pytest.raises(InputError) as err:
        read_table(b"stage,count\nA\x81,5\n", name="odd.csv")
    assert str(err.value) == (
        "odd.csv, line 2, column 'stage': contains the invisible control character U+0081; "
        "delete it (it cannot be written to a workbook safely)"
    )


def test_ctrl_z_at_end_is_ignored():
    assert read_table(b"stage,count\r\nA,5\r\n\x1a").rows == [["A", "5"]]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702, 16383)] == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]


def test_table_index_is_case_insensitive():
    table = read_table(b"Stage , COUNT\nA,1\n")
    assert (table.index("stage"), table.index("count"), table.index("base")) == (0, 1, None)


def test_count_markers_and_programmes_pass_through(tmp_path):
    data = (
        "Programme;Stage;Count;Rounding\n"
        "2019;Referred;1.250;nearest5\n"
        "2019;Adopted;<5;\n"
        "2020;Referred;1.300,0;\n"
        "2020;Adopted;[c];\n"
    ).encode("cp1252")
    funnel = read_funnel(write(tmp_path, "p.csv", data))
    assert [p.name for p in funnel.programmes] == ["2019", "2020"]
    first = funnel.programmes[0].stages
    assert (first[0].count.low, first[0].count.high, first[0].count.kind) == (1248, 1252, "rounded")
    assert (first[1].count.low, first[1].count.high) == (0, 4)
    assert funnel.programmes[1].stages[0].count.exact == 1300
    assert (funnel.programmes[1].stages[1].count.low, funnel.programmes[1].stages[1].count.high) == (0, 4)


def test_suppressed_range_is_passed_on(tmp_path):
    funnel = read_funnel(write(tmp_path, "s.csv", b"stage,count\nA,100\nB,*\n"), suppressed=(1, 7))
    b = funnel.programmes[0].stages[1]
    assert (b.count.low, b.count.high) == (1, 7)


# --------------------------------------------------------------------------------------------
# examples and real exports


def test_met_example():
    funnel, table = read_funnel_table(EXAMPLES / "met-2020-visits.csv")
    stages = funnel.programmes[0].stages
    assert [(s.name, s.count.exact, s.base, s.unit, s.outside) for s in stages] == [
        ("Identified for a visit", 1000, None, "people", False),
        ("Visited", 669, "Identified for a visit", "people", False),
        ("Follow-up engagements", 156, "Visited", "contacts", False),
        ("Interested in diversion", 62, "Visited", "people", False),
        ("Contacted police about diversion", 20, None, "people", True),
    ]
    assert stages[2].note == "Engagements, not necessarily distinct people"
    assert table.header == ["stage", "count", "base", "unit", "note"]
    assert len(table.rows) == 5


def test_prevent_example():
    funnel = read_funnel(EXAMPLES / "prevent-channel.csv")
    assert [p.name for p in funnel.programmes] == [
        "Year ending March 2019",
        "Year ending March 2020",
        "Year ending March 2021",
        "Year ending March 2024",
    ]
    last = funnel.programmes[-1]
    assert [(s.name, s.count.exact, s.base) for s in last.stages] == [
        ("Referred to Prevent", 6922, None),
        ("Discussed at a Channel panel", 893, "Referred to Prevent"),
        ("Adopted as a Channel case", 512, "Discussed at a Channel panel"),
    ]
    assert last.stages[0].line == 11


# (file, encoding, delimiter, columns, rows, first row line, last row line, a cell to check)
CORPUS_SHAPES = [
    (
        "statcan__32100358_MetaData.csv",
        "utf-8-sig",
        ",",
        10,
        60,
        2,
        68,
        (0, 0, "Area, production and farm value of potatoes"),
    ),
    ("csvkit__determination_schema.csv", "utf-8", ",", 6, 21, 2, 49, (1, 4, "STATE")),
    ("sheetjs__ErrorTypes.csv", "utf-8", ",", 10, 13, 2, 14, (6, 0, "#N/A")),
    ("csvkit__FY09_EDU_Recipients_by_State.csv", "utf-8", ",", 9, 52, 2, 53, (0, 3, "6,718")),
    ("vat__opendata-wahllokale.csv", "utf-8", ";", 9, 27, 2, 28, (0, 1, "09175132")),
    ("vat__landratStimmen.csv", "utf-8", ";", 16, 254, 2, 255, (0, 0, None)),
    ("sheetjs__ooe_bp10_election.xls.2.csv", "cp1252", ",", 27, 492, 2, 493, (0, 1, "Oberösterreich")),
]


@pytest.mark.parametrize("shape", CORPUS_SHAPES, ids=[s[0] for s in CORPUS_SHAPES])
def test_real_exports_read_as_tables(shape):
    name, encoding, delimiter, columns, rows, first, last, (r, c, value) = shape
    table = read_table(CORPUS / name, name=name)
    assert (table.encoding, table.delimiter, len(table.header)) == (encoding, delimiter, columns)
    assert (len(table.rows), table.lines[0], table.lines[-1]) == (rows, first, last)
    assert all(len(row) == columns for row in table.rows)
    if value is not None:
        assert table.rows[r][c] == value


def test_determination_schema_keeps_the_quoted_line_break():
    table = read_table(CORPUS / "csvkit__determination_schema.csv")
    assert table.rows[0][5].startswith("American Indian Area/Alaska Native Area/Hawaiian Home Land (Census) 0000=Total")
    assert "\n" in table.rows[0][5] and "\r" not in table.rows[0][5]
    assert table.lines[:3] == [2, 4, 5]  # the first row spans lines 2 and 3


def test_landrat_header_has_umlauts():
    table = read_table(CORPUS / "vat__landratStimmen.csv")
    assert "Wähler ohne Wahlschein" in table.header


def test_destatis_export_with_title_lines_is_refused_at_the_first_wide_row():
    name = "destatis__Population_of_states_2012_2021.csv"
    with pytest.raises(InputError) as err:
        read_table(CORPUS / name, name=name)
    first = err.value.problems[0]
    assert (first.file, first.line, first.column) == (name, 5, "B")
    assert "is line 1 a title rather than the header row?" in first.message


# --------------------------------------------------------------------------------------------
# bad input: every message names the file, and the line and column where there is one

BAD = [
    # (label, bytes, (line, column) or None, words the message must contain)
    ("empty", b"", None, "the file is empty"),
    ("blank lines only", b"\r\n  \r\n,,,\r\n", None, "the file is empty"),
    ("header only", b"stage,count,base\r\n", None, "there are no stages"),
    (
        "missing count column",
        b"stage,amount,base\nA,5,\n",
        (1, "count"),
        "columns found: 'stage', 'amount', 'base'",
    ),
    ("missing stage column", b"Stages,count\nA,5\n", (1, "stage"), "(is 'stages' meant to be 'stage'?)"),
    ("negative count", b"stage,count\nA,10\nB,-3\n", (3, "count"), "cannot be negative (-3)"),
    ("fractional count", b"stage,count\nA,10\nB,2.5\n", (3, "count"), "must be a whole number, not 2.5"),
    ("text count", b"stage,count\nA,10\nB,lots\n", (3, "count"), "'lots' is not a count"),
    ("empty count", b"stage,count\nA,10\nB,\n", (3, "count"), "the count is empty"),
    ("unknown base", b"stage,count,base\nA,10,\nB,5,Nowhere\n", (3, "base"), "base 'Nowhere' is not a stage"),
    ("circular base", b"stage,count,base\nA,10,B\nB,5,A\n", (2, "base"), "circular bases"),
    ("own base", b"stage,count,base\nA,10,\nB,5,B\n", (3, "base"), "cannot be its own base"),
    ("duplicate stage", b"stage,count\nA,10\nB,5\na,3\n", (4, "stage"), "appears twice (first on line 2)"),
    ("count above base", b"stage,count\nA,10\nB,11\n", (3, "count"), "count 11 is larger than its base 'A' (10)"),
    (
        "ragged row",
        b"stage,count,base\nA,10,\nB,5,A,oops\n",
        (3, "D"),
        "this row has 4 fields but the header has 3: the value 'oops' has no column",
    ),
    ("unquoted thousands", b"stage,count\nA,1,000\n", (2, "C"), "is there an unquoted comma inside a value?"),
    ("bad rounding", b"stage,count,rounding\nA,10,roughly\n", (2, "rounding"), "rounding 'roughly' is not understood"),
    ("empty stage name", b"stage,count\n,10\n", (2, "stage"), "the stage name is empty"),
    (
        "duplicate header",
        b"stage,count,Count\nA,1,2\n",
        (1, "Count"),
        "'count' (B) and 'Count' (C) could each be the count column",
    ),
    ("unclosed quote", b'stage,count,note\nA,10,\nB,5,"never closed\nC,3,\n', (3, None), "is never closed"),
    ("control character", b"stage,count\nA\x07B,10\n", (2, "stage"), "control character U+0007"),
    ("xlsx workbook", b"PK\x03\x04\x14\x00\x06\x00" + bytes(100), None, "this is an Excel workbook, not a CSV file"),
    ("xls workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), None, "this is an Excel workbook"),
    ("random bytes", random.Random(2).randbytes(4096), None, "does not look like a text CSV file"),
    (
        "random bytes without NUL",
        bytes(b for b in random.Random(3).randbytes(4096) if b),
        None,
        "control characters, as binary files have",
    ),
    ("utf-16 without BOM", "stage,count\nA,1\n".encode("utf-16-le"), None, "contains NUL bytes"),
    ("damaged utf-8 after BOM", b"\xef\xbb\xbfstage,count\nA\xff,1\n", (2, None), "byte 17 is not valid UTF-8"),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_is_refused_with_a_located_message(tmp_path, case):
    label, data, where, words = case
    path = write(tmp_path, "bad.csv", data)
    with pytest.raises(InputError) as err:
        read_funnel(path)
    problem = err.value.problems[0]
    assert problem.file == str(path)
    assert words in problem.message, problem.message
    if where is not None:
        assert (problem.line, problem.column) == where
    assert str(path) in str(err.value)


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    path = write(tmp_path, "many.csv", b"stage,count,base\nA,ten,\nB,-1,\nC,5,Z\n")
    with pytest.raises(InputError) as err:
        read_funnel(path)
    assert [(p.line, p.column) for p in err.value.problems] == [(2, "count"), (3, "count"), (4, "base")]


def test_columns_are_named_as_the_header_spells_them(tmp_path):
    with pytest.raises(InputError) as err:
        read_funnel(write(tmp_path, "c.csv", b"Stage,COUNT\nA,-5\n"))
    assert str(err.value) == f"{tmp_path / 'c.csv'}, line 2, column 'COUNT': a count cannot be negative (-5)"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="nope.csv: file not found"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="this is a folder, not a CSV file"):
        read_table(tmp_path)


def test_limits(monkeypatch, tmp_path):
    monkeypatch.setattr(csvinput, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError, match=r"big.csv: the file is 120 bytes; the limit is 100 bytes"):
        read_table(write(tmp_path, "big.csv", b"a,b\n" * 30))
    with pytest.raises(InputError, match="the limit is"):
        read_table(b"a,b\n" * 30, name="big")
    monkeypatch.undo()

    monkeypatch.setattr(csvinput, "MAX_ROWS", 3)
    with pytest.raises(InputError) as err:
        read_table(b"a,b\n1,2\n3,4\n\n5,6\n7,8\n", name="rows.csv")
    assert str(err.value) == "rows.csv, line 6: the file has more than 3 data rows, the limit (a funnel has dozens)"
    monkeypatch.undo()

    monkeypatch.setattr(csvinput, "MAX_COLUMNS", 3)
    with pytest.raises(InputError, match="wide.csv, line 1: the header has 4 columns; the limit is Excel's 3"):
        read_table(b"a,b,c,d\n", name="wide.csv")


def test_field_longer_than_an_excel_cell_is_refused():
    data = b"stage,count,note\nA,1," + b"x" * 32_768 + b"\n"
    with pytest.raises(InputError) as err:
        read_table(data, name="long.csv")
    problem = err.value.problems[0]
    assert (problem.line, problem.column) == (2, "note")
    assert "a field of 32,768 characters is longer than Excel's cell limit of 32,767" in problem.message
    assert len(read_table(b"note\n" + b"y" * 32_767 + b"\n").rows[0][0]) == 32_767


def test_device_without_a_size_is_read_only_up_to_the_limit(monkeypatch):
    monkeypatch.setattr(csvinput, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match="the limit is"):
        read_table("/dev/zero")


# --------------------------------------------------------------------------------------------
# numbers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1000", 1000),
        ("-3", -3),
        ("0", 0),
        (" 42 ", 42),
        ("1,000", 1000),
        ("12,345,678", 12345678),
        ("1.5", 1.5),
        ("-1,000.25", -1000.25),
        ("0.25", 0.25),
        ("123456789012345", 123456789012345),
        ("007", None),
        ("01", None),
        ("+3", None),
        (".5", None),
        ("1.", None),
        ("1e3", None),
        ("1E+03", None),
        ("12 345", None),
        ("1,00", None),
        ("1,0000", None),
        ("6%", None),
        ("£5", None),
        ("<5", None),
        ("[c]", None),
        ("", None),
        ("-", None),
        ("1234567890123456", None),
        ("NaN", None),
        ("inf", None),
        ("−3", None),
        ("=1+1", None),
    ],
)
def test_parse_number(text, expected):
    result = parse_number(text)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    "text, expected",
    [("66,9", 66.9), ("1.000", 1000), ("1.000,5", 1000.5), ("1,000", 1.0), ("1.5", None), ("007", None)],
)
def test_parse_number_with_decimal_comma(text, expected):
    result = parse_number(text, decimal=",")
    assert result == expected and type(result) is type(expected)


# --------------------------------------------------------------------------------------------
# properties: any table survives any dialect; any bytes give a Table or an InputError

FIELD = st.text(alphabet="ab Zé£1,;|\t\"'\n\r-", max_size=8)
NAME = st.text(alphabet="abcXYZé_", min_size=1, max_size=6)


@st.composite
def tables(draw):
    width = draw(st.integers(2, 5))
    header = draw(st.lists(NAME, min_size=width, max_size=width, unique_by=str.lower))
    rows = draw(st.lists(st.lists(FIELD, min_size=1, max_size=width), max_size=6))
    return header, rows


def _expected(rows, width):
    out = []
    for row in rows:
        row = [f.replace("\r\n", "\n").replace("\r", "\n") for f in row]
        while row and not row[-1].strip():
            row.pop()
        if row:
            out.append(row + [""] * (width - len(row)))
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tables(),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_property_round_trip(table, delimiter, newline, encoding):
    header, rows = table
    data = render([header] + rows, delimiter, newline, csv.QUOTE_ALL).encode(encoding)
    got = read_table(data)
    assert got.delimiter == delimiter  # sniffed
    assert got.header == header
    assert got.rows == _expected(rows, len(header))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_property_any_bytes_give_a_table_or_an_input_error(data):
    try:
        table = read_table(data)
    except InputError as exc:
        assert exc.problems and all(p.file == "<data>" for p in exc.problems)
    else:
        assert all(len(row) == len(table.header) for row in table.rows)
        assert table.lines == sorted(set(table.lines))


def test_excel_sep_line_sets_the_separator_and_still_counts_as_a_line():
    table = read_table(b"sep=|\r\nstage|count\r\nA, B|1,000\r\n")
    assert (table.delimiter, table.header_line, table.lines) == ("|", 2, [3])
    assert table.rows == [["A, B", "1,000"]]


def test_explicit_delimiter_overrides_sniffing():
    # equal evidence for both: the comma wins by preference, unless the caller says otherwise
    assert read_table(b"a;b,c\n1;2,3\n").header == ["a;b", "c"]
    assert read_table(b"a;b,c\n1;2,3\n", delimiter=";").header == ["a", "b,c"]


def test_field_beyond_the_csv_modules_own_limit_is_refused_not_crashed():
    huge = b"x" * 200_000
    for data, line in [(b"a,b\n1," + huge + b"\n", 2), (b'a,b\n\n1,"' + huge + b'"\n', 3), (huge + b"\n", 1)]:
        with pytest.raises(InputError) as err:
            read_table(data, name="huge.csv")
        assert str(err.value) == (
            f"huge.csv, line {line}: a field is longer than Excel's cell limit of 32,767 characters; "
            "it cannot be written to a workbook (an unclosed quote can cause this)"
        )


def test_line_limit_is_checked_before_parsing(monkeypatch):
    monkeypatch.setattr(csvinput, "MAX_LINES", 10)
    with pytest.raises(InputError, match="lines.csv: the file has 12 lines; the limit is 10"):
        read_table(b"a,b\n" + b",\n" * 11, name="lines.csv")
