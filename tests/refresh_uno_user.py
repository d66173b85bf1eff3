"""Play the user in LibreOffice through its Python UNO bridge (run with Debian's /usr/bin/python3).

Debian's python3-uno imports only in the system Python, not in a virtual environment, so the
tests run this file as a subprocess:

    python3 refresh_uno_user.py edit REPORT.xlsx OUT.xlsx CELL  # add the user's things (A5 = Funnel CELL * 2)
    python3 refresh_uno_user.py inspect WORKBOOK.xlsx       # recalculate, print what is there as JSON
    python3 refresh_uno_user.py hand-edit REPORT.xlsx OUT.xlsx KIND SHEET CELL  # one edit of owned content

It starts its own headless soffice with a fresh profile listening on a private pipe.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.awt import Point, Rectangle, Size
from com.sun.star.beans import PropertyValue


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Office:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="xlplugin-uno-")
        self.pipe = "xlplugin_" + uuid.uuid4().hex
        soffice = os.environ.get("SOFFICE") or shutil.which("soffice") or "soffice"
        self.process = subprocess.Popen(
            [
                soffice,
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                "--nodefault",
                "--nolockcheck",
                f"-env:UserInstallation=file://{self.profile}",
                f"--accept=pipe,name={self.pipe};urp;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.time() + 90
        while True:
            try:
                self.ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.time() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.3)
        self.desktop = self.ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", self.ctx)

    def load(self, path):
        return self.desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0, (_prop("Hidden", True),)
        )

    def close(self):
        with contextlib.suppress(Exception):
            self.desktop.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
        shutil.rmtree(self.profile, ignore_errors=True)


def edit(office: Office, source: str, target: str, count_cell: str) -> None:
    doc = office.load(source)
    sheets = doc.Sheets
    sheets.insertNewByName("Mine", sheets.Count)
    sheet = sheets.getByName("Mine")
    for i, value in enumerate((10, 20, 30), start=1):
        sheet.getCellRangeByName(f"A{i}").setValue(value)
    sheet.getCellRangeByName("A4").setFormula("=SUM(A1:A3)")
    sheet.getCellRangeByName("A5").setFormula(f"=$Funnel.{count_cell}*2")  # reads a count of the report
    sheet.getCellRangeByName("B1").setString("my label")
    # a chart of the user's numbers
    rect = Rectangle()
    rect.X, rect.Y, rect.Width, rect.Height = 3000, 3000, 10000, 7000
    sheet.Charts.addNewByName("UserChart", rect, (sheet.getCellRangeByName("A1:A3").getRangeAddress(),), False, False)
    # a comment
    sheet.Annotations.insertNew(sheet.getCellRangeByName("B1").getCellAddress(), "my comment")
    # a reviewer's comment on the report itself
    funnel = sheets.getByName("Funnel")
    funnel.Annotations.insertNew(funnel.getCellRangeByName("A2").getCellAddress(), "reviewer note")
    # a text box on the user's sheet, and one on each of two owned sheets (one with the report's chart)
    for where, text in (
        (sheet, "my text box"),
        (funnel, "note on the table"),
        (sheets.getByName("Funnel chart"), "note on the chart"),
    ):
        shape = doc.createInstance("com.sun.star.drawing.TextShape")
        where.DrawPage.add(shape)
        point, size = Point(), Size()
        point.X, point.Y, size.Width, size.Height = 15000, 1000, 6000, 2000
        shape.setPosition(point)
        shape.setSize(size)
        shape.setString(text)
    # conditional formatting
    rng = sheet.getCellRangeByName("A1:A3")
    formats = rng.ConditionalFormat
    formats.addNew(
        (
            _prop("Operator", uno.Enum("com.sun.star.sheet.ConditionOperator", "GREATER")),
            _prop("Formula1", "15"),
            _prop("StyleName", "Good"),
        )
    )
    rng.ConditionalFormat = formats
    # a named range
    doc.NamedRanges.addNewByName("my_range", "$Mine.$A$1:$A$3", sheet.getCellRangeByName("A1").getCellAddress(), 0)
    doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), (_prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)


def hand_edit(office: Office, source: str, target: str, kind: str, sheet_name: str, cell: str) -> None:
    """One edit a user makes in LibreOffice to what the report owns, saved as xlsx."""
    doc = office.load(source)
    sheets = doc.Sheets
    if kind == "delete-sheet":
        sheets.removeByName(sheet_name)
    else:
        sheet = sheets.getByName(sheet_name)
        target_cell = sheet.getCellRangeByName(cell)
        if kind == "type":
            target_cell.setString("n/a")
        elif kind == "rename":
            target_cell.setString("Edited: " + target_cell.getString())
        elif kind == "append":  # keeps the line's start (a provenance line's fixed words)
            target_cell.setString(target_cell.getString() + " (checked by J. Bloggs)")
        elif kind == "insert-column":
            address = target_cell.getCellAddress()
            sheet.Columns.insertByIndex(address.Column, 1)  # inside the table: LibreOffice grows it
            sheet.getCellByPosition(address.Column, address.Row).setString("My column")
            sheet.getCellByPosition(address.Column, address.Row + 1).setValue(7)
        elif kind == "insert-row":
            address = target_cell.getCellAddress()
            sheet.Rows.insertByIndex(address.Row, 1)
            sheet.getCellByPosition(address.Column, address.Row).setString("My stage")
        else:
            raise SystemExit(f"unknown edit {kind}")
    doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), (_prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)


def inspect(office: Office, path: str) -> dict:
    doc = office.load(path)
    doc.calculateAll()
    out = {"sheets": list(doc.Sheets.ElementNames)}
    if doc.Sheets.hasByName("Mine"):
        sheet = doc.Sheets.getByName("Mine")
        out["mine_values"] = [sheet.getCellRangeByName(f"A{i}").getValue() for i in range(1, 6)]
        out["mine_formulas"] = [sheet.getCellRangeByName(f"A{i}").getFormula() for i in (4, 5)]
        out["mine_label"] = sheet.getCellRangeByName("B1").getString()
        out["charts"] = list(sheet.Charts.ElementNames)
        out["comments"] = [sheet.Annotations.getByIndex(i).getString() for i in range(sheet.Annotations.Count)]
        out["text_shapes"] = _texts(sheet)
        out["conditional_formats"] = sheet.getCellRangeByName("A1:A3").ConditionalFormat.Count
    out["owned_drawings"] = {}
    for name in ("Funnel", "Funnel chart"):
        if doc.Sheets.hasByName(name):
            sheet = doc.Sheets.getByName(name)
            out["owned_drawings"][name] = {"texts": _texts(sheet), "charts": len(sheet.Charts.ElementNames)}
    out["named_ranges"] = {name: doc.NamedRanges.getByName(name).Content for name in doc.NamedRanges.ElementNames}
    if doc.Sheets.hasByName("Funnel"):
        sheet = doc.Sheets.getByName("Funnel")
        out["funnel_comments"] = [sheet.Annotations.getByIndex(i).getString() for i in range(sheet.Annotations.Count)]
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        last_row = cursor.RangeAddress.EndRow
        rows = []
        for r in range(last_row + 1):
            row = []
            for c in range(10):
                cell = sheet.getCellByPosition(c, r)
                kind = cell.Type.value
                row.append(
                    cell.getValue()
                    if kind in ("VALUE", "FORMULA")
                    and cell.getString() != ""
                    and cell.getError() == 0
                    and _is_number(cell)
                    else cell.getString()
                )
            rows.append(row)
        out["funnel"] = rows
    doc.close(True)
    return out


def _texts(sheet) -> list[str]:
    """Texts of the drawing shapes on a sheet (text boxes; comments show up here too)."""
    texts = []
    for i in range(sheet.DrawPage.Count):
        shape = sheet.DrawPage.getByIndex(i)
        if shape.supportsService("com.sun.star.drawing.Text") and not shape.supportsService(
            "com.sun.star.drawing.OLE2Shape"
        ):
            texts.append(shape.getString())
    return [t for t in texts if t]


def _is_number(cell) -> bool:
    try:
        return cell.FormulaResultType2 == 1 if cell.Type.value == "FORMULA" else True  # 1 = VALUE
    except Exception:
        return True


def main(argv):
    office = Office()
    try:
        if argv[0] == "edit":
            edit(office, argv[1], argv[2], argv[3])
            print(json.dumps({"ok": True}))
        elif argv[0] == "hand-edit":
            hand_edit(office, *argv[1:6])
            print(json.dumps({"ok": True}))
        elif argv[0] == "inspect":
            print(json.dumps(inspect(office, argv[1])))
        else:
            raise SystemExit(f"unknown command {argv[0]}")
    finally:
        office.close()


if __name__ == "__main__":
    main(sys.argv[1:])
