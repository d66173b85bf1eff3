"""Periods: programme names that are times ("2019/20", "Year ending March 2021", "2023 Q1", "Jan 2024").

Why: a journalist asks of a multi-year FOI answer "did it change?", of a table of forces "who is
different?". The two need different pictures (a trend with changes, or a funnel plot), so the
programme column must say which it holds. Each period is read to the month it starts and the
month it ends, so periods of different kinds (a calendar year, a financial year) still order.
Pure: no I/O.
"""

from __future__ import annotations

from xlplugin.core.lazyre import LazyPattern, lazy
from xlplugin.core.record import NamedTuple

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from xlplugin.core.funnel import Funnel, Programme

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"((?:19|20)\d\d)"


class Period(NamedTuple):
    """A period as months counted from year 0 (year*12 + month-1): first and last month, inclusive."""

    label: str
    first: int
    last: int
    kind: str  # year | financial_year | year_ending | quarter | month

    @property
    def key(self) -> tuple[int, int]:
        return (self.first, self.last)


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _second_year(first: int, text: str) -> int | None:
    """'20' after 2019 -> 2020; '2020' -> 2020; anything else (not the next year) -> None."""
    second = int(text) if len(text) == 4 else (first // 100) * 100 + int(text)
    if len(text) == 2 and second < first:
        second += 100
    return second if second == first + 1 else None


_PATTERNS: list[tuple[LazyPattern, str]] = [
    (lazy(rf"^(?:fy\s*)?{_YEAR}\s*[/-]\s*(\d\d(?:\d\d)?)$"), "financial_year"),
    (
        lazy(rf"^(?:the\s+)?(?:year|12 months|twelve months)\s+(?:ending|ended|to)\s+{_MONTH}\s+{_YEAR}$"),
        "year_ending",
    ),
    (lazy(rf"^{_YEAR}\s*[-\s]?\s*q([1-4])$"), "quarter"),
    (lazy(rf"^q([1-4])\s*[-\s]?\s*{_YEAR}$"), "quarter_first"),
    (lazy(rf"^{_MONTH}\s*[-\s]?\s*{_YEAR}$"), "month"),
    (lazy(rf"^{_YEAR}\s*-\s*(0[1-9]|1[0-2])$"), "iso_month"),
    (lazy(rf"^(?:calendar\s+year\s+)?{_YEAR}$"), "year"),
]


def parse_period(text: str | None) -> Period | None:
    """The period a programme name states, or None when it is not one (a force, a borough)."""
    if text is None:
        return None
    label = " ".join(str(text).split())
    t = label.lower()
    for pattern, kind in _PATTERNS:
        m = pattern.match(t)
        if not m:
            continue
        if kind == "financial_year":  # April to March, as UK public bodies report
            first = int(m.group(1))
            if _second_year(first, m.group(2)) is None:
                continue  # "2024-02" is a month, "2019/21" nothing
            return Period(label, _month_index(first, 4), _month_index(first + 1, 3), kind)
        if kind == "year_ending":
            end = _month_index(int(m.group(2)), MONTHS[m.group(1)])
            return Period(label, end - 11, end, kind)
        if kind in ("quarter", "quarter_first"):
            year, q = (int(m.group(1)), int(m.group(2))) if kind == "quarter" else (int(m.group(2)), int(m.group(1)))
            start = _month_index(year, 3 * q - 2)
            return Period(label, start, start + 2, "quarter")
        if kind == "month":
            start = _month_index(int(m.group(2)), MONTHS[m.group(1)])
            return Period(label, start, start, kind)
        if kind == "iso_month":
            start = _month_index(int(m.group(1)), int(m.group(2)))
            return Period(label, start, start, "month")
        year = int(m.group(1))
        return Period(label, _month_index(year, 1), _month_index(year, 12), "year")
    return None


def parse_periods(names: list[str | None]) -> list[Period] | None:
    """Every name parsed as a period, in the given order, or None if any is not one (or none is given)."""
    periods = [parse_period(n) for n in names]
    if not periods or any(p is None for p in periods):
        return None
    return [p for p in periods if p is not None]


def detect_periods(names: list[str | None]) -> list[Period] | None:
    """Every name parsed as a period, or None if any is not one (or there are fewer than two)."""
    periods = parse_periods(names) if len(names) >= 2 else None
    if periods is None:
        return None
    keys = [p.key for p in periods]
    if len(set(keys)) != len(keys):  # the same period twice: these are not a time series
        return None
    return periods


def time_order(names: list[str | None], declared: bool = False) -> list[int] | None:
    """Indexes of `names` in time order, or None when they are not periods.

    Declared periods (a `period` column, `--periods`) that cannot all be read as times keep
    the order they were given in: the user said they are times, and the file is in order.
    """
    periods = detect_periods(names)
    if periods is None:
        return list(range(len(names))) if declared and len(names) >= 2 else None
    return sorted(range(len(names)), key=lambda i: periods[i].key)


def period_programmes(funnel: Funnel, declared: bool = False) -> list[Programme] | None:
    """The programmes in time order when they are periods (detected, or declared by a `period`
    column or `--periods`), else None: they are areas, or there is only one."""
    order = time_order([p.name for p in funnel.programmes], declared or funnel.periods)
    return None if order is None else [funnel.programmes[i] for i in order]
