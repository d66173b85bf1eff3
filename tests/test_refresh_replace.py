"""Replacing an existing table: rows, size, names, charts, refusals, and LibreOffice's view."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import lo_harness
import pytest
import xlsxwriter
from helpers import add_table, zip_entries

from xlplugin.core.errors import InputError
from xlplugin.ooxml.book import open_book
from xlplugin.ooxml.package import open_package
from xlplugin.ooxml.schema import CHILD_ORDER
from xlplugin.refresh import refresh_table

DATA = Path(__file__).parent / "data" / "xlsx"


@pytest.fixture
def charted(tmp_path) -> Path:
    """A table Sales (A1:B4) with a bar chart on its columns, a defined name, a formula and a note."""
    path = tmp_path / "charted.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data")
    add_table(ws, "A1:B4", "Sales", ["Region", "Amount"], [["North", 10], ["South", 20], ["East", 30]])
    ws.write_formula("D1", "=SUM(Sales[Amount])", None, 60)
    ws.write_string("F10", "user note")
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "Amount", "categories": "=Data!$A$2:$A$4", "values": "=Data!$B$2:$B$4"})
    ws.insert_chart("H2", chart)
    wb.define_name("AmountColumn", "=Data!$B$2:$B$4")
    wb.define_name("Elsewhere", "=Data!$F$1:$F$3")
    other = wb.add_worksheet("Other")
    other.write_formula("A1", "=Data!D1*2", None, 120)
    wb.close()
    return path


def _csv(tmp_path, text, name="new.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_longer_table_updates_ref_names_chart_and_caches(tmp_path, charted):
    csv = _csv(tmp_path, 'Region,Amount\nNorth,1\nSouth,2\nEast,3\nWest,4\nCentre,"1,500"\n')
    out = refresh_table(charted, csv, "sales", output=tmp_path / "out.xlsx")  # name matched case-insensitively
    before, after = zip_entries(charted), zip_entries(out)
    table = after["xl/tables/table1.xml"].decode()
    assert 'ref="A1:B6"' in table and '<autoFilter ref="A1:B6"/>' in table
    workbook = after["xl/workbook.xml"].decode()
    assert "Data!$B$2:$B$6" in workbook  # stretched with the table
    assert "Data!$F$1:$F$3" in workbook  # not in the table: untouched
    assert 'fullCalcOnLoad="1"' in workbook
    chart = after["xl/charts/chart1.xml"].decode()
    assert "Data!$A$2:$A$6" in chart and "Data!$B$2:$B$6" in chart
    values = re.search(r"<c:val>.*?</c:val>", chart, re.S).group(0)
    assert '<c:ptCount val="5"/>' in values
    assert re.findall(r"<c:v>([^<]*)</c:v>", values) == ["1", "2", "3", "4", "1500"]
    categories = re.search(r"<c:cat>.*?</c:cat>", chart, re.S).group(0)
    assert re.findall(r"<c:v>([^<]*)</c:v>", categories) == ["North", "South", "East", "West", "Centre"]
    sheet = after["xl/worksheets/sheet1.xml"].decode()
    assert "user note" in after.get("xl/sharedStrings.xml", b"").decode() or "user note" in sheet
    assert '<c r="F10"' in sheet  # the user's cell outside the table survives
    assert "<f>SUM(Sales[Amount])</f>" in sheet  # and the formula reading the table
    for name in ("xl/styles.xml", "xl/worksheets/sheet2.xml", "xl/theme/theme1.xml"):
        assert before[name] == after[name], name
    # the replaced rows' shared strings are emptied in place (the rows are inline now); the user's stay
    shared = after["xl/sharedStrings.xml"].decode()
    assert "user note" in shared and "East" not in shared
    assert shared.count("<si>") == before["xl/sharedStrings.xml"].decode().count("<si>")


def test_shorter_table_clears_old_rows(tmp_path, charted):
    csv = _csv(tmp_path, "Region,Amount\nOnly,7\n")
    out = refresh_table(charted, csv, "Sales", output=tmp_path / "out.xlsx")
    after = zip_entries(out)
    sheet = after["xl/worksheets/sheet1.xml"].decode()
    assert 'ref="A1:B2"' in after["xl/tables/table1.xml"].decode()
    assert not re.search(r'<c r="[AB][34]"', sheet)
    assert "Data!$B$2:$B$2" in after["xl/workbook.xml"].decode()


def test_resize_over_user_cells_is_refused_unless_forced(tmp_path, charted):
    csv = _csv(tmp_path, "Region,Amount,Extra,More,Even,More2\n" + "a,1,2,3,4,5\n" * 12)
    before = charted.read_bytes()
    with pytest.raises(InputError) as err:
        refresh_table(charted, csv, "Sales")
    assert "D1" in str(err.value) and "F10" in str(err.value) and "--force" in str(err.value)
    assert charted.read_bytes() == before
    out = refresh_table(charted, csv, "Sales", force=True, output=tmp_path / "forced.xlsx")
    assert 'ref="A1:F13"' in zip_entries(out)["xl/tables/table1.xml"].decode()


def test_table_on_another_sheet_and_names_taken(tmp_path, charted):
    csv = _csv(tmp_path, "a,b\n1,2\n")
    with pytest.raises(InputError, match="is on sheet"):
        refresh_table(charted, csv, "Sales", sheet="Other")
    with pytest.raises(InputError, match="defined name"):
        refresh_table(charted, csv, "AmountColumn")
    with pytest.raises(InputError, match="already exists"):
        refresh_table(charted, csv, "NewTable", sheet="other")


@pytest.mark.parametrize("name", ["T2024", "FOI2024", "R1C1", "C", "r", "has space", "1abc", "a-b", ""])
def test_bad_table_names(tmp_path, charted, name):
    csv = _csv(tmp_path, "a,b\n1,2\n")
    with pytest.raises(InputError):
        refresh_table(charted, csv, name)


@pytest.mark.parametrize("sheet", ["History", "a" * 32, "a/b", "x[1]", "q?", "'quoted'"])
def test_bad_sheet_names(tmp_path, charted, sheet):
    csv = _csv(tmp_path, "a,b\n1,2\n")
    with pytest.raises(InputError):
        refresh_table(charted, csv, "Fine_name", sheet=sheet)


def test_bad_csvs_are_refused_before_the_workbook_is_touched(tmp_path, charted):
    before = charted.read_bytes()
    for text in ("a,a\n1,2\n", "a,,c\n1,2,3\n", ""):
        with pytest.raises(InputError):
            refresh_table(charted, _csv(tmp_path, text), "NewData")
    assert charted.read_bytes() == before


def test_lock_file_refused_and_backup_kept(tmp_path, charted):
    csv = _csv(tmp_path, "Region,Amount\nA,1\n")
    lock = charted.with_name("~$" + charted.name)
    lock.write_bytes(b"owner")
    with pytest.raises(InputError, match="open in Excel"):
        refresh_table(charted, csv, "Sales")
    lock.unlink()
    before = charted.read_bytes()
    refresh_table(charted, csv, "Sales", backup=True)
    assert charted.with_name("charted.bak.xlsx").read_bytes() == before
    assert charted.read_bytes() != before


def test_header_escaping_and_column_names(tmp_path, charted):
    csv = _csv(tmp_path, 'Region,"Amount\n(GBP)",_x0041_\nA,1,2\n')
    out = refresh_table(charted, csv, "Sales", force=True, output=tmp_path / "out.xlsx")
    table = zip_entries(out)["xl/tables/table1.xml"].decode()
    assert 'name="Amount_x000a_(GBP)"' in table
    assert 'name="_x005F_x0041_"' in table


def test_calc_chain_dropped_when_table_replaced(tmp_path):
    source = DATA / "poi__ConditionalFormattingSamples.xlsx"
    csv = _csv(tmp_path, "Book,Pages\nA,1\nB,2\n")
    out = refresh_table(source, csv, "Table1", output=tmp_path / "out.xlsx")
    after = zip_entries(out)
    assert not any(name.lower().endswith("calcchain.xml") for name in after)
    assert "calcChain" not in after["[Content_Types].xml"].decode()
    assert "calcChain" not in after["xl/_rels/workbook.xml.rels"].decode()


#: Existing corpus tables that refresh replaces, and the ones it refuses (with why).
REPLACEABLE = [
    ("calamine__table-multiple.xlsx", "Inventory"),
    ("calamine__table-multiple.xlsx", "Sales_Bob"),
    ("excelize__Book1.xlsx", "Table1"),
    ("poi__ConditionalFormattingSamples.xlsx", "Table1"),
    ("poi__ConditionalFormattingSamples.xlsx", "Table4"),
    ("poi__ExcelPivotTableSample.xlsx", "Tabelle1"),
    ("sheetjs__pivot_table_named_range.xlsx", "Table1"),
    ("closedxml__TemplateWithTableSourcePivotTables.xlsx", "Portfolios"),
]
REFUSED = [
    ("calamine__table-multiple.xlsx", "Sales_Alice", "overlap table"),
    ("poi__ConditionalFormattingSamples.xlsx", "Table6", "totals row"),
    ("poi__DataTableCities.xlsx", "BigCity", "totals row"),
    ("poi__StructuredRefs-lots-with-lookups.xlsx", "Table_Query_from_RDS", "query"),
    ("poi__simple-monthly-budget.xlsx", "tblIncome", "overlap table"),
    # SUM(tblExpenses[Amount]) would be left dangling (Excel's repair deletes it)
    (
        "poi__simple-monthly-budget.xlsx",
        "tblExpenses",
        r"formulas use it: defined name 'TotalMonthlyExpenses': =SUM\(tblExpenses\[Amount\]\)",
    ),
]

REPLACEMENT = "Label,Value\n" + "".join(f"row {i},{i * 11}\n" for i in range(1, 10))


@pytest.mark.parametrize("source,table,reason", REFUSED)
def test_corpus_tables_refused(tmp_path, source, table, reason):
    with pytest.raises(InputError, match=reason):
        refresh_table(DATA / source, _csv(tmp_path, REPLACEMENT), table, output=tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.libreoffice
def test_corpus_tables_replaced_as_libreoffice_sees_them(tmp_path):
    lo_harness.require_soffice()
    csv = _csv(tmp_path, REPLACEMENT)
    outputs = []
    for source, table in REPLACEABLE:
        out = tmp_path / f"{Path(source).stem}--{table}.xlsx"
        refresh_table(DATA / source, csv, table, output=out)
        with open_package(out) as package:
            book = open_book(package, out)
            found = book.table_named(table)
            outputs.append((out, found.sheet.name, found.ref))
    lo_harness._run_soffice(
        [
            "--convert-to",
            lo_harness.CSV_FILTER_ALL_SHEETS_QUOTED,
            "--outdir",
            str(tmp_path / "lo"),
            *[str(o) for o, _, _ in outputs],
        ],
        recalc=True,
        timeout=600,
    )
    from xlplugin.ooxml.cells import parse_range

    for out, sheet, ref in outputs:
        exported = tmp_path / "lo" / f"{out.stem}-{sheet}.csv"
        if not exported.exists():
            exported = tmp_path / "lo" / f"{out.stem}.csv"
        rows = lo_harness._split_csv(exported.read_text(encoding="utf-8-sig"), keep_quoting=True)
        r1, c1, r2, c2 = parse_range(ref)
        assert (r2 - r1, c2 - c1) == (9, 1), (out.name, ref)
        got = [[rows[r - 1][c - 1] for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        assert got[0] == [("Label", True), ("Value", True)], out.name
        for i in range(1, 10):
            assert got[i] == [(f"row {i}", True), (str(i * 11), False)], (out.name, i, got[i])


# --------------------------------------------------------------------------------------------
# a refresh interrupted at each write step leaves the original byte-identical


class Crash(Exception):
    pass


def _crash_on(monkeypatch, target: str, attribute: str, after: int = 0):
    import importlib

    module = importlib.import_module(target)
    real = getattr(module, attribute)
    calls = [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] > after:
            raise Crash(f"{target}.{attribute}")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, attribute, wrapper)


WRITE_STEPS = [
    ("xlplugin.ooxml.package", "_copy_entry", 0),
    ("xlplugin.ooxml.package", "_copy_entry", 5),
    ("xlplugin.ooxml.package", "_write_new", 0),
    ("xlplugin.ooxml.package", "_write_new", 2),
    ("os", "fsync", 0),
    ("os", "link", 0),  # the backup: a second name for the old file
    ("os", "replace", 0),
    ("os", "replace", 1),
]


@pytest.mark.parametrize("module,attribute,after", WRITE_STEPS)
@pytest.mark.parametrize("mode", ["new sheet", "replace"])
def test_interrupted_refresh_leaves_original_identical(tmp_path, charted, monkeypatch, module, attribute, after, mode):
    csv = _csv(tmp_path, "Region,Amount\nA,1\nB,2\nC,3\nD,4\n")
    before = charted.read_bytes()
    _crash_on(monkeypatch, module, attribute, after)
    with pytest.raises(Crash):
        refresh_table(charted, csv, "Sales" if mode == "replace" else "Fresh", backup=True)
    monkeypatch.undo()
    assert charted.read_bytes() == before
    backup = charted.with_name("charted.bak.xlsx")
    assert not backup.exists() or backup.read_bytes() == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == [], leftovers


# --------------------------------------------------------------------------------------------
# new parts follow the schema's element order (Excel repairs files that do not)

WORKSHEET_ORDER = CHILD_ORDER["worksheet"]
# Excel writes mc:AlternateContent (x15ac:absPath) and xr:revisionPtr after workbookPr: not in
# CT_Workbook, but where they stand in every workbook Excel saves.
_BOOK = CHILD_ORDER["workbook"]
WORKBOOK_ORDER = (*_BOOK[:3], "AlternateContent", "revisionPtr", "absPath", *_BOOK[3:])
TABLE_ORDER = CHILD_ORDER["table"]


@pytest.mark.parametrize(
    "parent, openpyxl_class",
    [
        ("workbook", "openpyxl.packaging.workbook.WorkbookPackage"),
        ("table", "openpyxl.worksheet.table.Table"),
        ("styleSheet", "openpyxl.styles.stylesheet.Stylesheet"),
    ],
)
def test_schema_order_agrees_with_openpyxl(parent, openpyxl_class):
    """The order new parts are checked against (xlplugin/ooxml/schema.py) is openpyxl's, whose
    serialisable classes list their children in schema order (without extLst); openpyxl has no such
    list for a worksheet, whose order is CT_Worksheet's as the table writes it."""
    import importlib

    module, name = openpyxl_class.rsplit(".", 1)
    elements = getattr(importlib.import_module(module), name).__elements__
    assert CHILD_ORDER[parent] == (*elements, "extLst")


def _in_order(children: list[str], order: tuple[str, ...]) -> bool:
    positions = [order.index(c) for c in children if c in order]
    return positions == sorted(positions) and all(c in order for c in children)


@pytest.mark.parametrize("source", sorted(DATA.glob("*.xls*")), ids=lambda p: p.name)
def test_new_and_edited_parts_keep_schema_order(tmp_path, source):
    from xlplugin.ooxml.package import scan

    csv = _csv(tmp_path, "Region,Amount\nA,1\nB,2\n")
    try:
        first = refresh_table(source, csv, "xlp_order_check", output=tmp_path / "a.xlsx")
    except InputError as exc:  # the one corpus workbook whose structure is protected
        assert source.name.startswith("poi__workbookProtection") and "structure is protected" in str(exc)
        return
    second = refresh_table(
        first, _csv(tmp_path, "Region,Amount,X\nA,1,2\n", "b.csv"), "xlp_order_check", output=tmp_path / "b.xlsx"
    )
    for out in (first, second):
        with open_package(out) as package:
            book = open_book(package, out)
            workbook = scan(package.read(book.workbook_part))
            assert _in_order([c.local for c in workbook.children], WORKBOOK_ORDER), [c.local for c in workbook.children]
            table = book.table_named("xlp_order_check")
            sheet = scan(package.read(table.sheet.part))
            assert _in_order([c.local for c in sheet.children], WORKSHEET_ORDER)
            assert _in_order([c.local for c in table.root.children], TABLE_ORDER)
            names = [n.name.lower() for n in book.defined_names] + [t.display_name.lower() for t in book.tables]
            assert names.count("xlp_order_check") == 1
            ids = [t.id for t in book.tables]
            assert len(ids) == len(set(ids))
            sheet_ids = [s.sheet_id for s in book.sheets]
            assert len(sheet_ids) == len(set(sheet_ids))


def test_pivot_cache_reading_the_table_refreshes_on_load(tmp_path):
    source = DATA / "sheetjs__pivot_table_named_range.xlsx"
    data = zip_entries(source)["xl/pivotCache/pivotCacheDefinition1.xml"]
    stripped = tmp_path / "stripped.xlsx"  # the same workbook without refreshOnLoad, to see it set
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "xl/pivotCache/pivotCacheDefinition1.xml":
                body = body.replace(b' refreshOnLoad="1"', b"")
            zout.writestr(info.filename, body)
    assert b"refreshOnLoad" not in zip_entries(stripped)["xl/pivotCache/pivotCacheDefinition1.xml"]
    csv = _csv(tmp_path, "Foo,Bar,Baz,Qux,Quux\n1,2,3,4,5\n6,7,8,9,10\n")
    out = refresh_table(stripped, csv, "Table1", output=tmp_path / "out.xlsx")
    after = zip_entries(out)["xl/pivotCache/pivotCacheDefinition1.xml"]
    assert b'refreshOnLoad="1"' in after and b'<worksheetSource name="Table1"/>' in after
    assert data != after or b"refreshOnLoad" in data


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    "source,table,header,count",
    [
        ("poi__ConditionalFormattingSamples.xlsx", "Table6", "Region,Sales", 6),  # B13 below is the user's
        ("poi__DataTableCities.xlsx", "BigCity", "City,Latitude,Longitude,Population", 15),
    ],
)
def test_table_with_totals_row_keeps_it_below_the_new_rows(tmp_path, source, table, header, count):
    width = len(header.split(","))
    rows = [[f"place {i}"] + [str(i * 10 + j) for j in range(1, width)] for i in range(1, count + 1)]
    csv = _csv(tmp_path, header + "\n" + "".join(",".join(r) + "\n" for r in rows))
    out = refresh_table(DATA / source, csv, table, output=tmp_path / "out.xlsx")
    from xlplugin.ooxml.cells import parse_range

    with open_package(out) as package:
        found = open_book(package, out).table_named(table)
        r1, c1, r2, c2 = parse_range(found.ref)
        assert r2 - r1 == count + 1  # header, the rows, totals
        assert f'<autoFilter ref="{found.ref.split(":")[0]}:' in found.data.decode()
        sheet = package.read(found.sheet.part).decode()
    total_row = re.search(rf'<row r="{r2}"[^>]*>(.*?)</row>', sheet, re.S).group(1)
    assert "SUBTOTAL" in total_row
    if lo_harness.soffice_path():
        sheets = lo_harness.export_sheets_values(out, tmp_path / "lo")
        got = sheets[found.sheet.name][r2 - 1]
        last = [float(r[-1]) for r in rows]
        want = sum(last) if header.endswith(("Sales", "Population")) else sum(last) / len(last)
        assert abs(got[c2 - 1] - want) < 1e-9, got
