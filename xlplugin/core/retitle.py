"""A report title's periods after a refresh from new data: "…visits, 2020: …" over 2022 figures.

Why: a refresh from a bare CSV keeps the title the spec gave for the figures first published.
When that title names a period ("2020", "2019/20", "Year ending March 2021") and the new data
state another, the cover would say one year over another year's figures. The honest rule:

- The new data must state their periods (every programme name reads as a period); otherwise the
  title is left alone, there is nothing to say.
- A period in the title that was the old data's first (last) period becomes the new data's first
  (last) period.
- When the old data stated no period (one programme without a name), a title with exactly one
  period over new data with exactly one period gets that period: the title's period was the
  data's, as the spec gave it.
- A title period the new data also state is kept.
- Anything else is left as it is and reported as stale, so the cover can say that the title
  names a period the figures no longer cover (refresh with a spec to retitle).

Pure: no I/O.
"""

from __future__ import annotations

import re

from xlplugin.core.lazyre import lazy
from xlplugin.core.periods import MONTHS, Period, parse_period, parse_periods
from xlplugin.core.record import NamedTuple

_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:19|20)\d\d"
#: Spans of a title that may be periods, longest forms first; each is checked with `parse_period`.
_CANDIDATE = lazy(
    rf"(?<![\w/])(?:"
    rf"(?:the\s+)?(?:year|12 months|twelve months)\s+(?:ending|ended|to)\s+{_MONTH}\s+{_YEAR}"
    rf"|(?:fy\s*)?{_YEAR}\s*[/-]\s*\d\d(?:\d\d)?(?![\d/-])"
    rf"|{_YEAR}\s*[-\s]?\s*q[1-4]"
    rf"|q[1-4]\s*[-\s]?\s*{_YEAR}"
    rf"|{_MONTH}\s*[-\s]?\s*{_YEAR}"
    rf"|{_YEAR}"
    rf")(?![\w/])",
    re.IGNORECASE,
)


class Retitled(NamedTuple):
    title: str
    replaced: tuple[tuple[str, str], ...]  # (as the title had it, the new data's period)
    stale: tuple[str, ...]  # title periods the new data do not cover, left as they were


def title_periods(title: str) -> list[tuple[int, int, Period]]:
    """(start, end, period) of each period named in `title`, in order."""
    out = []
    for m in _CANDIDATE.finditer(title):
        period = parse_period(m.group(0))
        if period is not None:
            out.append((m.start(), m.end(), period))
    return out


def stated_periods(names: list[str | None]) -> list[Period] | None:
    """The periods the data state, in time order: every programme name read as one; else None."""
    periods = parse_periods(names)
    return None if periods is None else sorted(periods, key=lambda p: p.key)


def retitle(title: str, old: list[str], new: list[str | None]) -> Retitled:
    """`title` with the old data's periods (`old`, labels) replaced by those the new data state (`new`)."""
    fresh = stated_periods(new)
    found = title_periods(title)
    if fresh is None or not found:
        return Retitled(title, (), ())
    before = stated_periods(list(old)) if old else None
    new_keys = {p.key for p in fresh}
    out, replaced, stale, at = [], [], [], 0
    for start, end, period in found:
        text = title[start:end]
        label = None
        if before is not None and period.key == before[0].key:
            label = fresh[0].label
        elif before is not None and period.key == before[-1].key:
            label = fresh[-1].label
        elif period.key in new_keys:
            label = None
        elif before is None and len(found) == 1 and len(fresh) == 1:
            label = fresh[0].label
        else:
            stale.append(text)
        out.append(title[at:start])
        if label is not None and label != text:
            replaced.append((text, label))
            out.append(label)
        else:
            out.append(text)
        at = end
    out.append(title[at:])
    return Retitled("".join(out), tuple(replaced), tuple(stale))
