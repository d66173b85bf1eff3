"""The "Refresh from CSV" button (xlplugin.excel.refresh_button) against a fake of the xlwings objects it uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xlplugin.excel import refresh_button as excel_refresh


def _split(address: str):
    m = re.fullmatch(r"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?", address)
    c1, r1 = ord(m.group(1)) - 64, int(m.group(2))
    c2, r2 = (ord(m.group(3)) - 64, int(m.group(4))) if m.group(3) else (c1, r1)
    return r1, c1, r2, c2


class FakeRange:
    """Just what excel_refresh touches: .value (get/set, xlwings' shapes) and .clear_contents()."""

    def __init__(self, sheet, address):
        self.sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = _split(address)

    @property
    def value(self):
        grid = [
            [self.sheet.cells.get((r, c)) for c in range(self.c1, self.c2 + 1)] for r in range(self.r1, self.r2 + 1)
        ]
        if self.c1 == self.c2 and self.r1 == self.r2:
            return grid[0][0]
        if self.c1 == self.c2:
            return [row[0] for row in grid]  # xlwings gives a column as a flat list
        return grid

    @value.setter
    def value(self, rows):
        assert len(rows) == self.r2 - self.r1 + 1
        for i, row in enumerate(rows):
            assert len(row) == self.c2 - self.c1 + 1
            for j, v in enumerate(row):
                if isinstance(v, str) and v.startswith("'"):
                    v = v[1:]  # Excel keeps the text, without its "this is text" prefix
                elif isinstance(v, str) and v[:1] in "=+-@":
                    raise AssertionError(f"Excel would read {v!r} as a formula")
                self.sheet.cells[(self.r1 + i, self.c1 + j)] = v
        self.sheet.writes += 1

    def clear_contents(self):
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self.sheet.cells.pop((r, c), None)


class FakeSheet:
    def __init__(self):
        self.cells = {}
        self.writes = 0

    def range(self, address):
        return FakeRange(self, address)


class FakeName:
    def __init__(self, value):
        self.refers_to_range = type("R", (), {"value": value})()


class FakeApp:
    def __init__(self, picked=None):
        self.alerts = []
        self.api = type("Api", (), {"GetOpenFilename": lambda _self, _filter: picked if picked else False})()

    def alert(self, text):
        self.alerts.append(text)


class FakeBook:
    def __init__(self, path_cell=None, picked=None):
        self.sheets = {excel_refresh.SHEET: FakeSheet()}
        self.names = {excel_refresh.PATH_NAME: FakeName(path_cell)} if path_cell is not None else {}
        self.app = FakeApp(picked)
        sheet = self.sheets[excel_refresh.SHEET]
        for r, (stage, count, base, unit) in enumerate(
            [
                ("Identified for a visit", 1000, None, "people"),
                ("Visited", 669, "Identified for a visit", "people"),
                ("Follow-up engagements", 156, "Visited", "contacts"),
                ("Interested in diversion", 62, "Visited", "people"),
                ("Contacted police about diversion", 20, "none", "people"),
            ],
            start=6,
        ):
            for c, v in enumerate((stage, count, base, unit), start=1):
                sheet.cells[(r, c)] = v


def _rows(book):
    sheet = book.sheets[excel_refresh.SHEET]
    out = []
    r = 6
    while sheet.cells.get((r, 1)) is not None:
        out.append([sheet.cells.get((r, c)) for c in range(1, 5)])
        r += 1
    return out, sheet


def test_writes_a_shorter_funnel_from_the_named_path_cell(tmp_path):
    csv = tmp_path / "new.csv"
    csv.write_text(
        'stage,count,base,unit\n"=HYPERLINK(""http://x"",""y"")","1,200",,people\nVisited,800,,people\n',
        encoding="utf-8",
    )
    book = FakeBook(path_cell=str(csv))
    assert excel_refresh.refresh_open_workbook(book) == 2
    rows, sheet = _rows(book)
    assert rows == [['=HYPERLINK("http://x","y")', 1200, None, "people"], ["Visited", 800, None, "people"]]
    assert all(sheet.cells.get((r, c)) is None for r in range(8, 11) for c in range(1, 5))
    assert book.app.alerts == []


def test_picker_is_used_without_a_path_cell(tmp_path):
    csv = tmp_path / "picked.csv"
    csv.write_text("stage,count\nA,10\nB,4\nC,<5\nD,1\nE,1\nF,0\n", encoding="utf-8")
    book = FakeBook(picked=str(csv))
    assert excel_refresh.refresh_open_workbook(book) == 6
    rows, _ = _rows(book)
    assert [r[:2] for r in rows] == [["A", 10], ["B", 4], ["C", "<5"], ["D", 1], ["E", 1], ["F", 0]]


def test_bad_csv_changes_nothing_and_says_why(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("stage,count\nA,10\nB,20\n", encoding="utf-8")  # B larger than its base
    book = FakeBook(path_cell=str(csv))
    before = dict(book.sheets[excel_refresh.SHEET].cells)
    assert excel_refresh.refresh_open_workbook(book) == 0
    assert book.sheets[excel_refresh.SHEET].cells == before
    assert book.sheets[excel_refresh.SHEET].writes == 0
    assert "nothing was changed" in book.app.alerts[0] and "bad.csv" in book.app.alerts[0]


def test_cancelled_picker_changes_nothing():
    book = FakeBook()
    assert excel_refresh.refresh_open_workbook(book) == 0
    assert "no CSV chosen" in book.app.alerts[0]
    assert book.sheets[excel_refresh.SHEET].writes == 0


def test_main_uses_the_calling_workbook(tmp_path, monkeypatch):
    xlwings = pytest.importorskip("xlwings")
    csv = tmp_path / "new.csv"
    csv.write_text("stage,count\nA,10\nB,5\n", encoding="utf-8")
    book = FakeBook(path_cell=str(csv))
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: book))
    excel_refresh.main()
    assert _rows(book)[0] == [["A", 10, None, None], ["B", 5, None, None]]
    assert book.app.alerts == ["Refresh from CSV: 2 stages written to 'Try it'."]


def test_a_workbook_and_a_wide_table_go_through_the_same_loader(tmp_path):
    root = Path(__file__).resolve().parents[1] / "workbooks" / "examples" / "inputs"
    book = FakeBook(path_cell=str(root / "met-2020-visits-foi.xlsx"))  # its one Excel table
    assert excel_refresh.refresh_open_workbook(book) == 5
    rows, _ = _rows(book)
    assert rows[0] == ["Identified for a visit", 1000, None, "people"]
    assert rows[4] == ["Contacted police about diversion", 20, "none", "people"]
    wide = tmp_path / "wide.csv"
    wide.write_text("Description,2021/22\nReferred,6406\nAdopted,804\n", encoding="utf-8")
    book = FakeBook(path_cell=str(wide))
    assert excel_refresh.refresh_open_workbook(book) == 2
    assert _rows(book)[0] == [["Referred", 6406, None, None], ["Adopted", 804, None, None]]


def test_several_programmes_write_nothing_and_say_why():
    root = Path(__file__).resolve().parents[1] / "workbooks" / "examples" / "inputs"
    book = FakeBook(path_cell=str(root / "prevent-channel-wide.csv"))
    before = dict(book.sheets[excel_refresh.SHEET].cells)
    assert excel_refresh.refresh_open_workbook(book) == 0
    assert book.sheets[excel_refresh.SHEET].cells == before and book.sheets[excel_refresh.SHEET].writes == 0
    (alert,) = book.app.alerts
    assert alert.startswith("Refresh from CSV: nothing was changed.")
    assert "holds 4 programmes ('Year ending March 2019', 'Year ending March 2020'" in alert
    assert "the 'Try it' sheet holds one funnel" in alert


def test_a_count_known_only_as_a_percentage_is_refused():
    root = Path(__file__).resolve().parents[1] / "workbooks" / "examples" / "inputs"
    book = FakeBook(path_cell=str(root / "met-2020-visits-percentages.csv"))
    assert excel_refresh.refresh_open_workbook(book) == 0
    assert book.sheets[excel_refresh.SHEET].writes == 0
    assert "'Interested in diversion' is known only as 9% of 669 (57 to 63)" in book.app.alerts[0]
