"""The CSV of `refresh --table` as typed cells: one header, numbers or text, never a formula.

Why its own module: the one number reader for tables (``1.000`` in a ``;`` file is a thousand,
as for funnel counts) and the checks Excel's tables need of a header, before any workbook is
opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xlplugin.core.errors import InputError, Problem
from xlplugin.inputs import csvinput
from xlplugin.ooxml.cells import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, column_letters


@dataclass
class Grid:
    """The CSV as typed cells: header texts, then rows of (number | text | None)."""

    header: list[str]
    rows: list[list[int | float | str | None]]
    source: str


def read_grid(csv_path, decimal: str | None = None, read_options=None) -> Grid:
    """Read the CSV (or a workbook's sheet, table or range: `read_options`, an `inputs.ReadOptions`),
    once, and type its cells: numbers (``1,000`` too) or text; never a formula."""
    from xlplugin.inputs.loader import load_table

    table = load_table(csv_path, options=read_options)
    problems: list[Problem] = []
    header = [h.strip() for h in table.header]
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        column = column_letters(i + 1)
        if not name:
            problems.append(
                Problem(
                    f"column {column} has an empty header; every table column needs a name",
                    table.name,
                    table.header_line,
                    column,
                )
            )
        elif name.lower() in seen:
            problems.append(
                Problem(
                    f"header {name!r} appears twice (columns {column_letters(seen[name.lower()] + 1)} "
                    f"and {column}); Excel table columns need unique names",
                    table.name,
                    table.header_line,
                    name,
                )
            )
        else:
            seen[name.lower()] = i
        if len(name) > 255:
            problems.append(
                Problem("a table column name can be at most 255 characters", table.name, table.header_line, column)
            )
    if len(header) > MAX_COLUMNS:
        problems.append(Problem(f"{len(header)} columns; Excel allows {MAX_COLUMNS}", table.name))
    if len(table.rows) + 1 > MAX_ROWS:
        problems.append(
            Problem(f"{len(table.rows)} rows; an Excel sheet holds {MAX_ROWS - 1} below a header", table.name)
        )
    if decimal is None:
        decimal = decimal_mark(table)
    rows: list[list] = []
    for row, line in zip(table.rows, table.lines, strict=False):
        if len(row) > len(header):
            extra = row[len(header) :]
            if any(cell.strip() for cell in extra):
                problems.append(
                    Problem(f"the row has {len(row)} fields but the header has {len(header)}", table.name, line)
                )
            row = row[: len(header)]
        typed: list = []
        for i, text in enumerate(row + [""] * (len(header) - len(row))):
            if len(text) > MAX_CELL_CHARS:
                problems.append(
                    Problem(
                        f"a cell holds {len(text):,} characters; Excel's limit is {MAX_CELL_CHARS:,}",
                        table.name,
                        line,
                        header[i] or column_letters(i + 1),
                    )
                )
            if text == "":
                typed.append(None)
                continue
            number = csvinput.parse_number(text, decimal)
            typed.append(number if number is not None else text)
        rows.append(typed)
        if len(problems) > 20:
            break
    if problems:
        raise InputError(problems)
    return Grid(header, rows, table.name)


def decimal_mark(table) -> str:
    """The decimal mark of a CSV's numbers, by the rule funnel counts follow (csvinput.localise_count).

    A `;`-separated file comes from a decimal-comma locale: `1.000; 2.500; 12.345` are thousands,
    `66,9` a decimal. Only when such a file shows decimal points (``66.9``, ``0.25``) and no
    decimal commas is its mark '.'. Every other file uses '.' (and `,` groups thousands).
    """
    if getattr(table, "delimiter", ",") != ";":
        return "."
    comma = point = 0
    for row in table.rows[:1000]:
        for cell in row:
            t = cell.strip()
            if _COMMA_DECIMAL.fullmatch(t):
                comma += 1
            elif _POINT_DECIMAL.fullmatch(t):
                point += 1
    return "." if point > comma else ","


_COMMA_DECIMAL = re.compile(r"-?[0-9]+,[0-9]{1,2}|-?[0-9]+,[0-9]{4,}")


_POINT_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]{1,2}|-?[0-9]+\.[0-9]{4,}")
