"""Counts as published: exact, suppressed (`<5`, `*`, `[c]`), rounded, or not available.

A published count is an integer interval. Keeping the interval (rather than guessing a
value) is what lets every rate downstream state its true range.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# The kinds of published count: the one vocabulary the core, the report and the functions share.
EXACT = "exact"
SUPPRESSED = "suppressed"
ROUNDED = "rounded"
UNAVAILABLE = "unavailable"
KINDS = (EXACT, SUPPRESSED, ROUNDED, UNAVAILABLE)

# The GSS shorthand symbols a table shows in place of a figure (Analysis Function guidance).
CONFIDENTIAL_SYMBOL = "[c]"
NOT_AVAILABLE_SYMBOL = "[x]"
NOT_APPLICABLE_SYMBOL = "[z]"

#: Disclosure-control markers that mean "a small count, suppressed".
SUPPRESSION_MARKERS = frozenset({"*", CONFIDENTIAL_SYMBOL, "c", "~"})
#: Markers that mean "not available": no upper bound at all.
UNAVAILABLE_MARKERS = frozenset({NOT_AVAILABLE_SYMBOL, "x", ".."})
#: The default range a suppressed small count may take (PRODUCT.md: 0 to 4).
DEFAULT_SUPPRESSED = (0, 4)

_INT_RE = re.compile(r"^[+]?\d{1,3}(,\d{3})+$|^[+]?\d+$")
_LESS_RE = re.compile(r"^<\s*(\d[\d,]*)$")


@dataclass(frozen=True)
class Count:
    """An integer interval [low, high]; high is None when unbounded (`[x]`)."""

    low: int
    high: int | None
    kind: str = EXACT
    text: str = ""

    @property
    def exact(self) -> int | None:
        """The count when it is known exactly, else None."""
        return self.low if self.kind == EXACT else None

    @property
    def is_exact(self) -> bool:
        return self.kind == EXACT

    def __str__(self) -> str:
        return self.text or str(self.low)

    @classmethod
    def of(cls, value: int) -> Count:
        return cls(value, value, EXACT, str(value))


def parse_rounding(text: str | int | float | None) -> int | None:
    """`exact`/empty -> None; `nearest5` -> 5; `10` -> 10. Raises ValueError."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueError("rounding must be 'exact', 'nearestN' or a whole number N")
    if isinstance(text, (int, float)):
        if text != int(text) or text < 1:
            raise ValueError(f"rounding must be a whole number of at least 1, not {text!r}")
        return None if int(text) == 1 else int(text)
    t = text.strip().lower().replace(" ", "")
    if t in ("", "exact", "none", "1"):
        return None
    m = re.fullmatch(r"(?:(?:rounded)?to(?:the)?nearest|roundedto|nearest)?(\d+)", t)
    if not m or int(m.group(1)) < 1:
        raise ValueError(f"rounding '{text}' is not understood: use 'exact', 'nearest5', 'nearest10' or a whole number")
    n = int(m.group(1))
    return None if n == 1 else n


def parse_suppressed_range(text: str) -> tuple[int, int]:
    """`1-7` -> (1, 7): the range a suppressed marker stands for."""
    m = re.fullmatch(r"\s*(\d+)\s*[-–]\s*(\d+)\s*", text or "")
    if not m or int(m.group(1)) > int(m.group(2)):
        raise ValueError(f"suppressed range '{text}' should look like 0-4 (low-high, low <= high)")
    return int(m.group(1)), int(m.group(2))


def rounded_interval(value: int, rounding: int) -> tuple[int, int]:
    """The integers that round to `value` at the nearest `rounding`, ties either way."""
    half = rounding / 2
    return max(0, math.ceil(value - half)), math.floor(value + half)


def parse_count(
    value: str | int | float,
    rounding: int | None = None,
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED,
) -> Count:
    """Read one published count. Raises ValueError with a message a journalist understands."""
    if isinstance(value, bool):
        raise ValueError("a count must be a whole number, not TRUE/FALSE")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("a count must be a finite whole number")
        if value != int(value):
            raise ValueError(f"a count must be a whole number, not {value!r}")
        if value < 0:
            raise ValueError(f"a count cannot be negative ({int(value)})")
        text = str(int(value))
        n = int(value)
    else:
        text = value.strip()
        t = text.lower()
        if t == "":
            raise ValueError("the count is empty")
        if t in SUPPRESSION_MARKERS:
            return Count(suppressed[0], suppressed[1], SUPPRESSED, text)
        if t in UNAVAILABLE_MARKERS:
            return Count(0, None, UNAVAILABLE, text)
        m = _LESS_RE.match(t)
        if m:
            limit = int(m.group(1).replace(",", ""))
            if limit < 1:
                raise ValueError(f"'{text}' cannot be a count: nothing is below 0")
            return Count(0, limit - 1, SUPPRESSED, text)
        compact = t.replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
        if compact.startswith("-") and _INT_RE.match(compact[1:]):
            raise ValueError(f"a count cannot be negative ({text})")
        if re.fullmatch(r"[+-]?\d[\d,]*\.\d*[1-9]\d*", compact):
            raise ValueError(f"a count must be a whole number, not {text}")
        compact = re.sub(r"\.0*$", "", compact)
        if not _INT_RE.match(compact):
            raise ValueError(
                f"'{text}' is not a count: use a whole number (1,000 is fine), <N for a suppressed count, or [c] / [x]"
            )
        n = int(compact.replace(",", "").lstrip("+"))
    if rounding:
        low, high = rounded_interval(n, rounding)
        return Count(low, high, ROUNDED, text)
    return Count(n, n, EXACT, text)
