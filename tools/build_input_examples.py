"""Rebuild the example input workbooks in workbooks/examples/inputs/ (dev only).

    python tools/build_input_examples.py [--root DIR]

Two workbooks shaped like real downloads, built with openpyxl from the example CSVs' figures:
- `prevent-channel-foi.xlsx`: a Home Office-style table, years as columns, with a title, a
  source line and a note row above the header and footnotes below it;
- `met-2020-visits-foi.xlsx`: the Met figures three ways, an FOI-letter sheet with a title block
  (`--sheet "Table 1"`, one count typed as the text "1,000"), the one Excel table `MetVisits`
  (read by default) and a block among other cells (`--range "Range!B6:F11"`).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

MET_HEADER = ["stage", "count", "base", "unit", "note"]
MET_ROWS = [
    [
        "Identified for a visit",
        1000,
        None,
        "people",
        "Involved in a violent offence at least three times in the previous 12 months",
    ],
    ["Visited", 669, "Identified for a visit", "people", None],
    ["Follow-up engagements", 156, "Visited", "contacts", "Engagements, not necessarily distinct people"],
    [
        "Interested in diversion",
        62,
        "Visited",
        "people",
        "Expressed interest in diversionary activity; not known whether all had a follow-up engagement",
    ],
    [
        "Contacted police about diversion",
        20,
        "none",
        "people",
        "Contacted the numbers on the letter; not known to be among those visited",
    ],
]
PREVENT_YEARS = ["Year ending March 2019", "Year ending March 2020", "Year ending March 2021", "Year ending March 2024"]
PREVENT_ROWS = [
    ["Referred to Prevent", 5737, 6287, 4915, 6922, None],
    ["Discussed at a Channel panel", 1328, 1424, 1333, 893, "Referred to Prevent"],
    ["Adopted as a Channel case", 556, 697, 688, 512, "Discussed at a Channel panel"],
]
#: Fixed document times, so a rebuild from unchanged code differs only where openpyxl itself varies.
WHEN = dt.datetime(2021, 6, 17)


def _book(*lines: str):
    """A workbook (fixed dates) and its one sheet, "Table 1", with `lines` in A1, A2, ..."""
    import openpyxl

    book = openpyxl.Workbook()
    book.properties.created = book.properties.modified = WHEN
    ws = book.active
    ws.title = "Table 1"
    for row, line in enumerate(lines, start=1):
        ws[f"A{row}"] = line
    return book, ws


def prevent_foi(path: Path) -> None:
    book, ws = _book(
        "Table 1: Individuals referred to Prevent and supported through Channel, England and Wales",
        "Source: Home Office, Individuals referred to and supported through the Prevent Programme",
        "Note: a case may be discussed at a panel in a later year than its referral [note 1]",
    )
    ws.append([])
    ws.append(["stage", *PREVENT_YEARS, "base"])
    for row in PREVENT_ROWS:
        ws.append(row)
    ws.append([])
    ws.append(["[note 1] Figures are for the financial year, April to March."])
    book.save(path)


def met_foi(path: Path) -> None:
    from openpyxl.worksheet.table import Table, TableStyleInfo

    book, ws = _book(
        "Response to FOI request 01/FOI/21/012345: prolific violent offenders visited in 2020",
        "Metropolitan Police Service; figures as held on 17 June 2021",
    )
    ws.append([])
    ws.append(MET_HEADER)
    for i, row in enumerate(MET_ROWS):
        ws.append([row[0], "1,000" if i == 0 else row[1], *row[2:]])  # a count typed as text, as people do
    ws.append([])
    ws.append(["Source: Metropolitan Police Service"])

    tab = book.create_sheet("Figures")
    tab["A1"] = "The same figures as an Excel table"
    for r, row in enumerate([MET_HEADER, *MET_ROWS], start=4):
        for c, value in enumerate(row, start=3):
            tab.cell(row=r, column=c, value=value)
    table = Table(displayName="MetVisits", ref="C4:G9")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    tab.add_table(table)

    block = book.create_sheet("Range")
    block["A1"] = "Working sheet"
    block["H6"] = "checked by: AB"
    for r, row in enumerate([MET_HEADER, *MET_ROWS], start=6):
        for c, value in enumerate(row, start=2):
            block.cell(row=r, column=c, value=value)
    block["B14"] = "Totals"
    block["C14"] = 1927
    book.save(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    out = args.root / "workbooks" / "examples" / "inputs"
    out.mkdir(parents=True, exist_ok=True)
    prevent_foi(out / "prevent-channel-foi.xlsx")
    met_foi(out / "met-2020-visits-foi.xlsx")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
