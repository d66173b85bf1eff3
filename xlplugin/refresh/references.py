"""Structured references (``Table[Column]``) that a refresh would leave pointing at nothing.

Why: when a refresh drops a table column, Excel "repairs" every formula and defined name that
names it (``SUM(tblExpenses[Amount])``, a user's name over ``xlp_data[note]``) by deleting it,
silently. So refresh finds them first, in every place Excel keeps formulas (cell formulas,
defined names, conditional formats, data validations, chart series), after XML unescaping,
and refuses naming each one unless forced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from xlplugin.ooxml.book import Book
from xlplugin.ooxml.fragments import unescape as unescape  # the one XML unescape (tests import it here)
from xlplugin.ooxml.package import scan

#: Elements whose text is a formula, by local name.
FORMULA_ELEMENTS = ("f", "formula", "formula1", "formula2")


@dataclass(frozen=True)
class Dangling:
    where: str
    formula: str

    def __str__(self) -> str:
        shown = self.formula if len(self.formula) <= 80 else self.formula[:77] + "..."
        return f"{self.where}: ={shown}"


def referenced_columns(formula: str, table: str) -> list[str]:
    """The column names `formula` uses of `table` (``T[A]``, ``T[[#Headers],[A]]``, ``T[[A]:[B]]``)."""
    out = []
    pattern = re.compile(r"(?<![\w.])" + re.escape(table) + r"\[", re.I)
    for match in pattern.finditer(formula):
        body, end = _bracketed(formula, match.end() - 1)
        if body is None:
            continue
        items = _items(body) if body.startswith("[") or body.startswith(" [") else [body]
        for item in items:
            item = item.strip()
            if item and not item.startswith("#") and not item.startswith("@"):
                out.append(_unquote_column(item))
            elif item.startswith("@") and len(item) > 1:  # [@Column] / [@[Column]]
                rest = item[1:].strip()
                inner = _bracketed(rest, 0)[0] if rest.startswith("[") else rest
                if inner:
                    out.append(_unquote_column(inner))
    return out


def _bracketed(text: str, start: int) -> tuple[str | None, int]:
    """The text inside the bracket at `start` (nesting and ``'`` escapes respected), and its end."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == "'":
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
        i += 1
    return None, len(text)


def _items(body: str) -> list[str]:
    """``[#Headers],[A]`` or ``[A]:[B]`` -> the bracketed items."""
    out, i = [], 0
    while i < len(body):
        if body[i] == "[":
            inner, end = _bracketed(body, i)
            if inner is None:
                break
            out.append(inner)
            i = end
        else:
            i += 1
    return out


def _unquote_column(name: str) -> str:
    """A column name as written in a structured reference: ``'`` escapes ``[ ] # '``."""
    return re.sub(r"'(.)", r"\1", name)


def dangling_references(book: Book, table_names: Iterable[str], removed: Iterable[str]) -> list[Dangling]:
    """Every formula in the workbook that uses one of `removed` columns of a table in `table_names`."""
    names = [n for n in table_names if n]
    gone = {c.lower() for c in removed}
    if not names or not gone:
        return []
    needles = [n.lower().encode("utf-8") for n in names]
    out: list[Dangling] = []

    def check(formula: str, where: str) -> None:
        for name in names:
            if any(col.lower() in gone for col in referenced_columns(formula, name)):
                out.append(Dangling(where, formula))
                return

    for defined in book.defined_names:
        check(unescape(defined.text), f"defined name {defined.name!r}")
    sheet_of = {s.part.lower(): s.name for s in book.sheets if s.part}
    for part in book.all_part_names():
        if not part.lower().endswith(".xml") or part.lower() == book.workbook_part.lower():
            continue
        data = book.current(part)
        if data is None or not any(n in data.lower() for n in needles):
            continue
        label = f"sheet {sheet_of[part.lower()]!r}" if part.lower() in sheet_of else part
        root = scan(data, part)
        for element in root.iter():
            if element.local not in FORMULA_ELEMENTS or element.empty:
                continue
            formula = unescape(element.inner(data).decode("utf-8"))
            cell = element.parent.attrs.get("r") if element.parent is not None and element.local == "f" else None
            check(formula, f"{label} cell {cell}" if cell else label)
    return out
