"""The one "read part, scan, splice, put" protocol, so an edit of a part is written once.

Why: every edit of an existing part read the current bytes, scanned them, collected byte edits
and put the spliced result back; each copy could forget a step (put nothing when nothing
changed, name the part in errors). `editing(store, part)` does the steps; the caller adds edits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from xlplugin.ooxml.scanner import Edit, Element, scan, splice

__all__ = ["PartEdit", "PartStore", "editing"]


class PartStore(Protocol):
    """Where parts are read from and put back (a `Book`, or any collection of pending changes)."""

    def current(self, part: str) -> bytes: ...

    def put(self, part: str, data: bytes | None) -> None: ...


class PartEdit:
    """A part's bytes, their scan, and the edits collected so far."""

    def __init__(self, data: bytes, where: str, stop_at: set[str] | None = None):
        self.data = data
        self.root: Element = scan(data, where, stop_at=stop_at)
        self.edits: list[Edit] = []

    def add(self, *edits: Edit | None) -> None:
        """Collect edits (None, as `remove_attr` gives for an absent attribute, is skipped)."""
        self.edits.extend(e for e in edits if e is not None)

    def result(self) -> bytes:
        return splice(self.data, self.edits)


@contextmanager
def editing(
    store: PartStore, part: str, where: str | None = None, *, stop_at: set[str] | None = None
) -> Iterator[PartEdit]:
    """Scan `part` as it stands in `store`; on a clean exit put it back spliced, when edits were added."""
    edit = PartEdit(store.current(part), where or part, stop_at)
    yield edit
    if edit.edits:
        store.put(part, edit.result())
