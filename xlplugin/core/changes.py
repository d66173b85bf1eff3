"""Changes between periods: did a rate really rise or fall?

Why: "from 30.9% to 45.5%" reads as a rise, but with 68 and 101 applications the 95% interval of
the change runs from -0.4 to +28.4 points and includes no change at all. Each change is the later
rate minus the earlier one (percentage points, as a proportion), with Newcombe's hybrid score
interval (`intervals.diff_ci_newcombe`), the relative change of the counts, and a verdict in
words. Only rates that are proportions (a stage of the same units, nested in its base, exact
counts) are compared. Pure: no I/O.
"""

from __future__ import annotations

from xlplugin.core.funnel import Programme
from xlplugin.core.intervals import diff_ci_newcombe
from xlplugin.core.record import NamedTuple

CLEAR_RISE, CLEAR_FALL, NO_CLEAR_CHANGE = "a clear rise", "a clear fall", "no clear change"


class Change(NamedTuple):
    """One stage's rate of base from one period to another; fields are the `rates --json` keys."""

    stage: str
    base: str
    start: str  # the earlier period ("from")
    end: str  # the later period ("to")
    x_from: int
    n_from: int
    x_to: int
    n_to: int
    difference: float  # rate(to) - rate(from), a proportion
    ci_lower: float
    ci_upper: float
    relative_change: float | None  # (count(to) - count(from)) / count(from); None when count(from) is 0
    clear: bool  # the interval excludes zero
    against: str  # "previous" or "first": which period the change is measured from

    @property
    def words(self) -> str:
        return change_words(self.ci_lower, self.ci_upper)

    def as_json(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "base": self.base,
            "from": self.start,
            "to": self.end,
            "against": self.against,
            "difference": self.difference,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "relative_change": self.relative_change,
            "clear": self.clear,
            "words": self.words,
        }


def change_words(lower: float, upper: float) -> str:
    """'a clear rise' when the whole interval is above zero, 'a clear fall' below, else 'no clear change'."""
    if lower > 0:
        return CLEAR_RISE
    if upper < 0:
        return CLEAR_FALL
    return NO_CLEAR_CHANGE


def _proportion(p: Programme, name: str) -> tuple[int, int, str] | None:
    """(count, base count, base name) when the stage's rate of base is a proportion of exact counts."""
    try:
        s = p.stage(name)
    except KeyError:
        return None
    if s.outside or s.base is None:
        return None
    base = p.stage(s.base)
    if base.unit != s.unit or not (s.count.is_exact and base.count.is_exact) or base.count.low == 0:
        return None
    return s.count.low, base.count.low, base.name


def compare(
    stage: str, earlier: Programme, later: Programme, confidence: float = 0.95, against: str = "previous"
) -> Change | None:
    """The change in `stage`'s rate of base from `earlier` to `later`, or None if either is not a proportion
    or the two periods divide by different stages."""
    a, b = _proportion(earlier, stage), _proportion(later, stage)
    if a is None or b is None or a[2] != b[2]:
        return None
    (x1, n1, base), (x2, n2, _) = a, b
    d, lo, hi = diff_ci_newcombe(x2, n2, x1, n1, confidence)
    rel = (x2 - x1) / x1 if x1 else None
    return Change(
        stage, base, earlier.name or "", later.name or "", x1, n1, x2, n2, d, lo, hi, rel, lo > 0 or hi < 0, against
    )


def period_changes(periods: list[Programme], confidence: float = 0.95) -> list[Change]:
    """For each stage, each period against the previous one, then (from the third period) against the first.

    `periods` must be in time order. Stages are taken in the order they first appear.
    """
    stages: list[str] = []
    for p in periods:
        for s in p.stages:
            if s.name not in stages:
                stages.append(s.name)
    out: list[Change] = []
    for name in stages:
        for i in range(1, len(periods)):
            c = compare(name, periods[i - 1], periods[i], confidence, "previous")
            if c is not None:
                out.append(c)
        for i in range(2, len(periods)):
            c = compare(name, periods[0], periods[i], confidence, "first")
            if c is not None:
                out.append(c)
    return out
