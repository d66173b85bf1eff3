"""Nothing withdrawn stays behind: shared strings no cell shows any more are emptied.

Why: after a re-save by Excel or LibreOffice, every text cell lives in ``sharedStrings.xml``.
Refresh replaces the owned sheets (whose text it writes inline), so a note the new data no
longer has ("visits to the home of DC Jane Bloggs (do not release)") would stay in that part
for anyone who unzips the published file. FOI publishers redact; that would be a disclosure.

How: the indices every worksheet still uses (cells ``t="s"``, after this refresh's edits) are
collected; each other ``<si>`` is replaced by an empty ``<si><t/></si>``. Indices stay where they
are, so no other part changes, and the user's own text (referenced from their cells) is kept.
"""

from __future__ import annotations

from xlplugin.ooxml.book import Book
from xlplugin.ooxml.cells import shared_string_indices as used_indices
from xlplugin.ooxml.fragments import element
from xlplugin.ooxml.package import scan, splice

WORKSHEET_TYPE = "spreadsheetml.worksheet+xml"


def shared_strings_part(book: Book) -> str | None:
    for rel in book.wb_rels:
        if rel.type.endswith("/sharedStrings") and rel.part and book.package.has(rel.part):
            return book.package.find(rel.part)
    return None


def _is_worksheet(book: Book, name: str) -> bool:
    content_type = book.package.content_type(name) or ""
    lower = name.lower()
    return WORKSHEET_TYPE in content_type or (
        "/worksheets/" in lower and lower.endswith(".xml") and "_rels" not in lower
    )


def drop_unused_strings(book: Book) -> int:
    """Empty each shared string that a sheet this refresh replaced or removed showed and no sheet shows now.

    Strings no cell showed before the refresh are the user's business and stay as they are.
    """
    part = shared_strings_part(book)
    if part is None or book.changes.get(part, b"") is None:
        return 0
    withdrawn: set[int] = set()
    for name in book.changes:
        if book.package.has(name) and _is_worksheet(book, name):
            withdrawn |= used_indices(book.package.read(name))
    if not withdrawn:
        return 0
    for name in book.all_part_names():
        if book.changes.get(name, b"") is not None and _is_worksheet(book, name):
            withdrawn -= used_indices(book.current(name))
    data = book.current(part)
    root = scan(data, part)
    edits = []
    for index, si in enumerate(root.findall("si")):
        if index not in withdrawn or si.empty:
            continue
        edits.append((si.start, si.end, element(si.qname(data), children=element(f"{si.prefix(data)}t"))))
    if edits:
        book.put(part, splice(data, edits))
    return len(edits)
