"""Structured references (``Table[Column]``) that a refresh would leave pointing at nothing.

Why: when a refresh drops a table column, Excel "repairs" every formula and defined name that
names it (``SUM(tblExpenses[Amount])``, a user's name over ``xlp_data[note]``) by deleting it,
silently. So refresh finds them first, in every place Excel keeps formulas (cell formulas,
defined names, conditional formats, data validations, other tables' column formulas, chart
series), after XML unescaping, and refuses naming each one unless forced. Forced, it rewrites
each such reference to ``#REF!``, as Excel does when the column is deleted in Excel, so none is
left dangling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from xlplugin.ooxml.book import Book
from xlplugin.ooxml.cellref import parse_cell
from xlplugin.ooxml.fragments import unescape as unescape  # the one XML unescape (tests import it here)
from xlplugin.ooxml.fragments import xml_text
from xlplugin.ooxml.package import scan, set_attr, splice
from xlplugin.ooxml.scanner import Edit, Element

#: Elements whose text is a formula, by local name.
FORMULA_ELEMENTS = ("f", "formula", "formula1", "formula2", "calculatedColumnFormula", "totalsRowFormula")

#: What Excel leaves where a deleted column was referenced.
REF_ERROR = "#REF!"


@dataclass(frozen=True)
class Dangling:
    where: str
    formula: str

    def __str__(self) -> str:
        shown = self.formula if len(self.formula) <= 80 else self.formula[:77] + "..."
        return f"{self.where}: ={shown}"


def structured_references(formula: str, table: str) -> Iterator[tuple[int, int, list[str]]]:
    """Each ``table[...]`` in `formula`: (start, end, the column names it uses)."""
    pattern = re.compile(r"(?<![\w.])" + re.escape(table) + r"\[", re.I)
    for match in pattern.finditer(formula):
        body, end = _bracketed(formula, match.end() - 1)
        if body is None:
            continue
        out = []
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
        yield match.start(), end, out


def referenced_columns(formula: str, table: str) -> list[str]:
    """The column names `formula` uses of `table` (``T[A]``, ``T[[#Headers],[A]]``, ``T[[A]:[B]]``)."""
    return [column for _start, _end, columns in structured_references(formula, table) for column in columns]


def without_columns(formula: str, tables: Iterable[str], removed: Iterable[str]) -> str:
    """`formula` with each structured reference to a `removed` column of `tables` as ``#REF!``."""
    gone = {c.lower() for c in removed}
    for table in tables:
        spans = [
            (start, end)
            for start, end, columns in structured_references(formula, table)
            if any(c.lower() in gone for c in columns)
        ]
        for start, end in reversed(spans):
            formula = formula[:start] + REF_ERROR + formula[end:]
    return formula


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


@dataclass(frozen=True)
class _Site:
    """One formula in the workbook: where it is, its part and element, and its text."""

    where: str
    part: str
    element: Element
    formula: str


def _sites(book: Book, needles: list[bytes], skip: Skip | None) -> Iterator[_Site]:
    """Every formula in a part whose bytes mention one of `needles` (lower-case table names)."""
    data = book.current(book.workbook_part)
    names = scan(data, book.workbook_part).find("definedNames")
    for defined in names.findall("definedName") if names is not None else []:
        if not defined.empty:
            text = unescape(defined.inner(data).decode("utf-8"))
            yield _Site(f"defined name {defined.attrs.get('name', '')!r}", book.workbook_part, defined, text)
    sheet_of = {s.part.lower(): s.name for s in book.sheets if s.part}
    for part in book.all_part_names():
        if not part.lower().endswith(".xml") or part.lower() == book.workbook_part.lower():
            continue
        if skip is not None and skip.part is not None and part.lower() == skip.part.lower():
            continue
        data = book.current(part)
        if data is None or not any(n in data.lower() for n in needles):
            continue
        label = f"sheet {sheet_of[part.lower()]!r}" if part.lower() in sheet_of else part
        for element in scan(data, part).iter():
            if element.local not in FORMULA_ELEMENTS or element.empty:
                continue
            cell = element.parent.attrs.get("r") if element.parent is not None and element.local == "f" else None
            if cell and skip is not None and skip.covers(part, cell):
                continue
            formula = unescape(element.inner(data).decode("utf-8"))
            yield _Site(f"{label} cell {cell}" if cell else label, part, element, formula)


@dataclass(frozen=True)
class Skip:
    """What the refresh rewrites anyway: the table's own part, and its cells in `rect` of `sheet_part`."""

    part: str | None = None
    sheet_part: str | None = None
    rect: tuple[int, int, int, int] | None = None

    def covers(self, part: str, cell: str) -> bool:
        if self.rect is None or self.sheet_part is None or part.lower() != self.sheet_part.lower():
            return False
        try:
            row, col = parse_cell(cell)
        except ValueError:
            return False
        r1, c1, r2, c2 = self.rect
        return r1 <= row <= r2 and c1 <= col <= c2


def dangling_references(
    book: Book, table_names: Iterable[str], removed: Iterable[str], *, skip: Skip | None = None
) -> list[Dangling]:
    """Every formula in the workbook that uses one of `removed` columns of a table in `table_names`."""
    return [Dangling(site.where, site.formula) for site in _dangling_sites(book, table_names, removed, skip)]


def _dangling_sites(book: Book, table_names: Iterable[str], removed: Iterable[str], skip: Skip | None) -> list[_Site]:
    names = [n for n in table_names if n]
    gone = {c.lower() for c in removed}
    if not names or not gone:
        return []
    needles = [n.lower().encode("utf-8") for n in names]
    return [
        site
        for site in _sites(book, needles, skip)
        if any(col.lower() in gone for name in names for col in referenced_columns(site.formula, name))
    ]


def break_references(
    book: Book, table_names: Iterable[str], removed: Iterable[str], *, skip: Skip | None = None
) -> list[Dangling]:
    """Rewrite each reference to a `removed` column as ``#REF!`` (Excel's column delete); return them.

    A cell whose formula changes also shows ``#REF!`` as its cached value, which is what Excel
    computes for it; the caller asks for a full calculation on load all the same.
    """
    names = [n for n in table_names if n]
    sites = _dangling_sites(book, names, removed, skip)
    by_part: dict[str, list[_Site]] = {}
    for site in sites:
        by_part.setdefault(site.part, []).append(site)
    for part, found in by_part.items():
        data = book.current(part)
        edits: list[Edit] = []
        for site in found:
            new = without_columns(site.formula, names, removed)
            edits.append((site.element.open_end, site.element.close_start, xml_text(new).encode("utf-8")))
            if site.element.local == "f" and site.element.parent is not None and site.element.parent.local == "c":
                edits += _error_value(data, site.element.parent, site.element)
        book.put(part, splice(data, edits))
    return [Dangling(site.where, site.formula) for site in sites]


def _error_value(data: bytes, cell: Element, formula: Element) -> list[Edit]:
    """Edits giving `cell` the cached value ``#REF!`` (``t="e"``)."""
    edits = [set_attr(data, cell, "t", "e")]
    value = cell.find("v")
    if value is not None and not value.empty:
        edits.append((value.open_end, value.close_start, REF_ERROR.encode()))
    elif value is not None:
        edits.append((value.start, value.end, f"<{value.qname(data)}>{REF_ERROR}</{value.qname(data)}>".encode()))
    else:
        tag = formula.qname(data).rsplit(":", 1)
        v = f"{tag[0]}:v" if len(tag) == 2 else "v"
        edits.append((formula.end, formula.end, f"<{v}>{REF_ERROR}</{v}>".encode()))
    return edits
