"""How tall a row of wrapped text must be: an estimate both writers share.

Why: LibreOffice does not autofit row heights on load, so the xlsx and ODS writers set
explicit heights for rows of wrapped text, from the same estimate.
"""

from __future__ import annotations

#: Points per line of 11 pt text, and characters per unit of column width (a little under
#: the true figure, so estimated rows are never too short).
LINE_HEIGHT = 15
CHARS_PER_WIDTH = 1.15
FONT = "Arial"  # metric-compatible Liberation Sans in LibreOffice: the same line breaks everywhere
FONT_SIZE = 11


def lines_needed(text: str, width: float) -> int:
    """How many wrapped lines `text` takes in a column `width` characters wide (an estimate)."""
    per_line = max(1, int((width - 1) * CHARS_PER_WIDTH))
    total = 0
    for paragraph in str(text).split("\n"):
        if len(paragraph) <= per_line:  # fits whole: the word loop below would find one line too
            total += 1
            continue
        words, line, count = paragraph.split(" "), 0, 1
        for word in words:
            need = len(word) + (1 if line else 0)
            if line + need > per_line and line:
                count += 1 + (len(word) - 1) // per_line
                line = len(word) % per_line or per_line
            else:
                line += need
        total += count
    return total


def row_height(cells: list[tuple[str, float]]) -> float | None:
    """Explicit height (points) for a row of wrapped text, or None for a single line."""
    lines = max((lines_needed(text, width) for text, width in cells), default=1)
    return None if lines <= 1 else lines * LINE_HEIGHT
