"""The one refusal for a damaged workbook part, and the attribute-number readers that raise it."""

from __future__ import annotations

import re
from pathlib import Path

from xlplugin.core.errors import InputError, Problem


class MalformedPart(InputError):
    """A part of the workbook is missing or holds what Excel never writes: refresh refuses it.

    Why one class: every reader of a part (cell and row references, relationship targets,
    numbers in attributes) meets the same kind of damage, and the user's remedy is the same
    whichever part it is; the message names the part so they can see what is broken.
    """

    def __init__(self, part: str, what: str, workbook: Path | str | None = None):
        self.part = part
        self.what = what
        super().__init__(
            Problem(
                f"the workbook is damaged: {part} {what}; open and re-save it in Excel, or restore a copy",
                str(workbook) if workbook is not None else None,
            )
        )

    def located(self, file: str) -> MalformedPart:
        """The same damage, naming the workbook file when it did not yet."""
        return self if self.problems[0].file else MalformedPart(self.part, self.what, file)


_DIGITS = re.compile(r"[0-9]{1,15}")


def read_int(text: str | None, part: str, what: str, *, workbook: Path | str | None = None) -> int:
    """An unsigned whole number from attribute text in `part`; MalformedPart when it is not one.

    Only ASCII digits count: ``int()`` also takes ' 7', '٣' and '1_0', and ``str.isdigit`` passes
    '²', which ``int()`` refuses.
    """
    if text is None or not _DIGITS.fullmatch(text):
        raise MalformedPart(part, f"has {what} {text!r}, which is not a whole number", workbook)
    return int(text)


def as_index(text: str | None) -> int | None:
    """`text` as an unsigned whole number when it is one (ASCII digits only), else None."""
    return int(text) if text is not None and _DIGITS.fullmatch(text) else None
