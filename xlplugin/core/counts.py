"""Counts as published: exact, suppressed (`<5`, `*`, `[c]`), rounded, or not available.

A published count is an integer interval. Keeping the interval (rather than guessing a
value) is what lets every rate downstream state its true range.
"""

from __future__ import annotations

import math
import re

from xlplugin.core.lazyre import lazy
from xlplugin.core.record import NamedTuple

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
#: What each symbol means, in the order a key lists them: the one place symbol and meaning are paired.
SHORTHAND_MEANINGS = {
    CONFIDENTIAL_SYMBOL: "confidential",
    NOT_AVAILABLE_SYMBOL: "not available",
    NOT_APPLICABLE_SYMBOL: "not applicable",
}


def shorthand_key(symbol: str, why: str = "") -> str:
    """A key line for a GSS symbol: '[z] = not applicable', then `why` (': the stage has no base')."""
    return f"{symbol} = {SHORTHAND_MEANINGS[symbol]}{why}"


#: A count given only as a percentage of a stated base: the whole numbers that percentage allows.
FROM_PERCENTAGE = "from_percentage"

#: Disclosure-control markers that mean "a small count, suppressed" (GSS `[c]`, and what FOI letters write).
SUPPRESSION_MARKERS = frozenset({"*", CONFIDENTIAL_SYMBOL, "c", "~", "low", "redacted", "[low]", "[redacted]"})
#: Markers that mean "not available" (`[x]`) or "not applicable" (`[z]`): no upper bound at all.
UNAVAILABLE_MARKERS = frozenset({NOT_AVAILABLE_SYMBOL, "x", NOT_APPLICABLE_SYMBOL, "z"})
#: The "not available" tokens a publisher may mean otherwise (`Missing`): `..` and a dash (`-`,
#: `–`, `—`), which some tables use for nil (`dash="zero"`).
CONFIGURABLE_UNAVAILABLE = ("..", "-")
#: The default range a suppressed small count may take (PRODUCT.md: 0 to 4).
DEFAULT_SUPPRESSED = (0, 4)

# ASCII digits only: `\d` would also read '1٣4' (Arabic-Indic three) as 134
_INT_RE = lazy(r"^[+]?[0-9]{1,3}(,[0-9]{3})+$|^[+]?[0-9]+$")
_N = r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
#: `<5`, `fewer than 5`, `less than 5`, `under 5`, `below 5`: 0 to N-1.
_LESS_RE = lazy(r"^(?:<|fewer\s+than|less\s+than|under|below)\s*" + _N + r"$")
#: `<=5`, `≤5`, `up to 5`, `at most 5`, `5 or fewer`, `5 or less`: 0 to N.
_AT_MOST_RE = lazy(r"^(?:<=|=<|≤|up\s+to|at\s+most)\s*" + _N + r"$|^" + _N + r"\s*or\s+(?:fewer|less|under)$")
#: `1-4`, `0-4`, `1 to 4`: the range itself.
_RANGE_RE = lazy(r"^" + _N + r"\s*(?:-|\u2013|to)\s*" + _N + r"$")
#: A dot followed by groups of three zeros: a thousands separator or a decimal point? (1.000)
_DOT_THOUSANDS = lazy(r"[0-9]{1,3}(?:\.000)+")
#: Counts above this cannot be held exactly in a spreadsheet cell (15 significant digits).
MAX_COUNT = 10**15


class Count(NamedTuple):
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


def _token(text: str) -> str:
    """A marker as compared: case and spacing ignored, an en or em dash read as `-`."""
    return " ".join(text.lower().split()).replace("\u2013", "-").replace("\u2014", "-")


class Missing(NamedTuple):
    """Which published tokens mean "not available" (no upper bound) and which mean nil (0).

    `[x]`, `x`, `[z]` and `z` (the GSS symbols) always mean not available. The others are the
    publisher's: by default `..` and `-` (en and em dashes too) mean not available; some tables
    use `-` for nil (`zero=("-",)`, the command line's `--dash zero` or `--zero -`), and some a code
    such as `n/a`, `:` or `-9` for not available (`--not-available ..,-,n/a`). A token listed here
    is read before any other form, so a code that looks like a number can be named.
    """

    not_available: frozenset[str] = frozenset(CONFIGURABLE_UNAVAILABLE)
    zero: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, not_available: str | None = None, zero: str | None = None, dash: str = "unavailable") -> Missing:
        """From the command line's comma-separated lists (None: the default); ValueError naming the fault.

        `dash="zero"` (`--dash zero`) is `zero="-"`; a token given as zero leaves the default
        not-available tokens, but one listed in both is refused."""
        if dash not in ("unavailable", "zero"):
            raise ValueError(f"a dash means 'unavailable' or 'zero', not '{dash}'")
        zeros = _tokens(zero, "zero") | ({"-"} if dash == "zero" else set())
        if not_available is None:
            unavailable = set(CONFIGURABLE_UNAVAILABLE) - zeros
        else:
            unavailable = _tokens(not_available, "not-available")
            both = sorted(unavailable & zeros)
            if both:
                raise ValueError(f"'{both[0]}' cannot mean both not available and zero")
        return cls(frozenset(unavailable), frozenset(zeros))

    def as_record(self) -> dict[str, list[str]]:
        """The tokens as a report records them (`Missing.from_record` reads them back)."""
        return {"not_available": sorted(self.not_available), "zero": sorted(self.zero)}

    @classmethod
    def from_record(cls, record: object) -> Missing:
        """`as_record` read back; anything else (an older report, a damaged record) is the default."""
        if not isinstance(record, dict):
            return cls()
        unavailable, zero = record.get("not_available"), record.get("zero")
        if not all(isinstance(v, list) and all(isinstance(t, str) for t in v) for v in (unavailable, zero)):
            return cls()
        return cls(frozenset(map(_token, unavailable or ())), frozenset(map(_token, zero or ())))

    def read(self, shown: str) -> Count | None:
        """The count a token stands for (not available, or 0), or None when it is not one of ours."""
        t = _token(shown)
        if t in self.zero:
            return Count(0, 0, EXACT, shown)
        if t in self.not_available or t in UNAVAILABLE_MARKERS:
            return Count(0, None, UNAVAILABLE, shown)
        return None


def _tokens(text: str | None, what: str) -> set[str]:
    if text is None or not text.strip():
        return set()
    tokens = [_token(t) for t in text.split(",")]
    if any(not t for t in tokens):
        raise ValueError(f"the {what} tokens are separated by commas, such as ..,-,n/a, and one was empty")
    return set(tokens)


#: The documented default: `..` and dashes not available, nothing read as zero.
DEFAULT_MISSING = Missing()


def missing_of(dash: str | Missing) -> Missing:
    """The `Missing` a `dash` argument stands for: "unavailable" (default), "zero", or one given."""
    if isinstance(dash, Missing):
        return dash
    return DEFAULT_MISSING if dash == "unavailable" else Missing.parse(dash=dash)


def _whole(text: str) -> int:
    return int(text.replace(",", ""))


def parse_suppression(
    text: str, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED, dash: str | Missing = "unavailable"
) -> Count | None:
    """A count written as disclosure control or "not available", as its interval; None if it is not one.

    The forms (README, "Suppressed and missing counts"): `*`, `[c]`, `c`, `~`, `low`, `redacted` a
    suppressed small count (`suppressed`, default 0 to 4); `<5`, `fewer than 5`, `less than 5`,
    `under 5` 0 to 4; `<=5`, `≤5`, `5 or fewer`, `up to 5` 0 to 5; `1-4`, `0-4` that range;
    `[x]`, `x`, `[z]`, `z`, `..` and (unless `dash="zero"`) `-` not available, with no upper bound.
    `dash` may be a `Missing`, naming the tokens that mean not available or zero.
    """
    shown = text.strip()
    t = " ".join(shown.lower().split())
    missing = missing_of(dash).read(shown)
    if missing is not None:
        return missing
    if t in SUPPRESSION_MARKERS:
        return Count(suppressed[0], suppressed[1], SUPPRESSED, shown)
    if _plain_whole(t) is not None:  # "669", "1,000": no wording below can match
        return None
    m = _LESS_RE.match(t)
    if m:
        limit = _whole(m.group(1))
        if limit < 1:
            raise ValueError(f"'{shown}' cannot be a count: nothing is below 0")
        return Count(0, limit - 1, SUPPRESSED, shown)
    m = _AT_MOST_RE.match(t)
    if m:
        return Count(0, _whole(m.group(1) or m.group(2)), SUPPRESSED, shown)
    m = _RANGE_RE.match(t)
    if m:
        low, high = _whole(m.group(1)), _whole(m.group(2))
        if low > high:
            raise ValueError(f"'{shown}' is a range from high to low; write it low to high (such as 0-4)")
        return Count(low, high, SUPPRESSED, shown)
    return None


def percentage_interval(percent: str, base_low: int, base_high: int | None) -> tuple[int, int | None]:
    """The whole-number counts consistent with `percent` (as published, e.g. "42%", "9.3") of a base.

    A percentage stated to d decimal places stands for [p - h, p + h) with h half a unit in its last
    place (rounding half up): 42% of 230,000 is 95,450 to 97,749; 9% of 669 is 57 to 63. An
    inexact base gives the union over it. Raises ValueError for text that is not a percentage.
    """
    from fractions import Fraction

    t = percent.strip().rstrip("%").strip()
    if not re.fullmatch(r"\d+(?:\.\d+)?", t):
        raise ValueError(f"'{percent.strip()}' is not a percentage: write it as 42% or 42 or 9.3%")
    places = len(t.split(".")[1]) if "." in t else 0
    p = Fraction(t) / 100
    half = Fraction(1, 2 * 10**places) / 100
    low_p, high_p = max(p - half, Fraction(0)), p + half
    if p > 1:
        raise ValueError(f"'{percent.strip()}' is over 100%: a stage cannot be more than its base")
    low = math.ceil(low_p * base_low)
    high = None if base_high is None else min(base_high, math.ceil(high_p * base_high) - 1)
    if high is not None and low > high:
        raise ValueError(f"no whole number of {base_high:,} is {percent.strip()}: is the base right?")
    return low, high


def rounded_interval(value: int, rounding: int) -> tuple[int, int]:
    """The integers that round to `value` at the nearest `rounding`, ties either way."""
    half = rounding / 2
    return max(0, math.ceil(value - half)), math.floor(value + half)


def parse_count(
    value: str | int | float,
    rounding: int | None = None,
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED,
    dash: str | Missing = "unavailable",
) -> Count:
    """Read one published count. Raises ValueError with a message a journalist understands.

    Suppression wording (`parse_suppression`) is read as its interval and keeps its text, so it is
    shown as published. `dash` says what a lone `-` means: "unavailable" (default) or "zero", or
    is a `Missing` naming every token that means not available or zero.
    """
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
        suppression = parse_suppression(text, suppressed, dash)
        if suppression is not None:
            return suppression
        compact = t.replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
        digits = _plain_whole(compact)
        if digits is None:
            digits = _whole_digits(text, compact)
        if len(digits.lstrip("0")) > 16:  # refused below; never int() a 309-digit string
            shown = text if len(text) <= 24 else text[:20] + "..."
            raise ValueError(f"'{shown}' is over 10^15, more than a spreadsheet cell holds exactly")
        n = int(digits)
    if n > MAX_COUNT:
        raise ValueError(f"{n:,} is over 10^15, more than a spreadsheet cell holds exactly")
    if rounding:
        low, high = rounded_interval(n, rounding)
        return Count(low, high, ROUNDED, text)
    return Count(n, n, EXACT, text)


def _plain_whole(text: str) -> str | None:
    """The digits of "669" or "1,000" (ASCII digits, commas if any grouping thousands), else None.
    Why not `_INT_RE`: most counts are written so, and this needs no pattern compiled or run."""
    if not text.isascii():
        return None
    if text.isdigit():
        return text
    groups = text.split(",")
    grouped = len(groups) > 1 and len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    return "".join(groups) if grouped and all(g.isdigit() for g in groups) else None


def _whole_digits(text: str, compact: str) -> str:
    """The digits of a count written any other way ("+5", "12.0"); ValueError saying what is wrong."""
    if compact.startswith("-") and _INT_RE.match(compact[1:]):
        raise ValueError(f"a count cannot be negative ({text})")
    if re.fullmatch(r"[+-]?\d[\d,]*\.\d*[1-9]\d*", compact):
        raise ValueError(f"a count must be a whole number, not {text}")
    if _DOT_THOUSANDS.fullmatch(compact):
        raise ValueError(
            f"'{text}' is ambiguous: one thousand where '.' groups thousands, one where it is the decimal "
            f"point; write {compact.replace('.', '')} or {compact.split('.')[0]}"
        )
    compact = re.sub(r"\.0*$", "", compact)
    if not _INT_RE.match(compact):
        raise ValueError(
            f"'{text}' is not a count: use a whole number (1,000 is fine), <N for a suppressed count, or [c] / [x]"
        )
    return compact.replace(",", "").lstrip("+")
