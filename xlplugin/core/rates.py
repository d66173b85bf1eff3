"""Rates with explicit numerators and denominators, their ranges and intervals.

Every rate here knows what it divides by. Counts that are suppressed or rounded give a
range of rates and an interval envelope rather than a guess; a rate between different
units is a ratio, never a percentage of people.
"""

from __future__ import annotations

from xlplugin.core import counts as kinds
from xlplugin.core.counts import Count
from xlplugin.core.funnel import Programme, Stage
from xlplugin.core.intervals import proportion_ci
from xlplugin.core.record import NamedTuple

SMALL_COUNT = 10  # under this a count is unstable (flag `small_count`)

# Stable flag identifiers (documented in the README; part of the JSON interface).
FIRST_STAGE = "first_stage"
OUTSIDE_FUNNEL = "outside_funnel"
MIXED_UNITS = "mixed_units"
SUPPRESSED = "suppressed"
ROUNDED = "rounded"
NOT_AVAILABLE = "not_available"
SMALL_COUNT_FLAG = "small_count"

FROM_PERCENTAGE = "from_percentage"
_KIND_FLAG = {
    kinds.SUPPRESSED: SUPPRESSED,
    kinds.ROUNDED: ROUNDED,
    kinds.UNAVAILABLE: NOT_AVAILABLE,
    kinds.FROM_PERCENTAGE: FROM_PERCENTAGE,
}


class RateRange(NamedTuple):
    """A rate (None when a count is inexact), its range, and its interval (envelope)."""

    rate: float | None
    rate_low: float | None
    rate_high: float | None
    ci_lower: float | None
    ci_upper: float | None


class StageRate(NamedTuple):
    """One row of the funnel table; fields are the `rates --json` keys."""

    stage: str
    count: int | None  # type: ignore[assignment]  # the field, not tuple.count
    count_low: int
    count_high: int | None
    base: str | None
    unit: str
    rate: float | None
    rate_low: float | None
    rate_high: float | None
    ci_lower: float | None
    ci_upper: float | None
    rate_of_first: float | None
    drop_off: int | None
    flags: tuple[str, ...]
    base_count: Count | None = None
    base_unit: str | None = None
    line: int | None = None

    def as_json(self) -> dict[str, object]:
        keys = [
            "stage",
            "count",
            "count_low",
            "count_high",
            "base",
            "unit",
            "rate",
            "rate_low",
            "rate_high",
            "ci_lower",
            "ci_upper",
            "rate_of_first",
            "drop_off",
        ]
        out = {k: getattr(self, k) for k in keys}
        out["flags"] = list(self.flags)
        return out


NO_RATE = RateRange(None, None, None, None, None)


def rate_range(num: Count, den: Count, confidence: float = 0.95, method: str = "wilson") -> RateRange:
    """Rate of `num` in `den` (num a subset of den), with range and CI envelope over the corners.

    Interval bounds are monotone in x (up) and n (down), so the envelope over the
    rectangle of possible counts is reached at its corners: lower at (x_low, n_high),
    upper at (x_high, n_low), with x never above n.
    """
    if num.is_exact and den.is_exact:
        if den.low == 0:
            return NO_RATE
        lo, hi = proportion_ci(num.low, den.low, confidence, method)
        r = num.low / den.low
        return RateRange(r, r, r, lo, hi)
    n_low = max(den.low, num.low, 1)
    n_high = den.high
    if n_high is not None and n_high == 0:
        return NO_RATE
    # lower corner: fewest in the numerator, most in the denominator
    if n_high is None:
        rate_low, ci_lower = 0.0, 0.0
    else:
        rate_low = num.low / n_high
        ci_lower = proportion_ci(num.low, n_high, confidence, method)[0]
    # upper corner: most in the numerator (never more than the denominator), fewest in it
    x_high = n_low if num.high is None else min(num.high, n_low)
    if num.high is None or num.high >= n_low:
        rate_high, ci_upper = 1.0, 1.0
    else:
        rate_high = x_high / n_low
        ci_upper = proportion_ci(x_high, n_low, confidence, method)[1]
    return RateRange(None, rate_low, rate_high, ci_lower, ci_upper)


def ratio(num: Count, den: Count) -> float | None:
    """A plain ratio of exact counts (e.g. contacts per person); None otherwise."""
    if num.is_exact and den.is_exact and den.low:
        return num.low / den.low
    return None


def singular(unit: str) -> str:
    """'people' -> 'person', 'contacts' -> 'contact': for "0.23 contacts per person"."""
    irregular = {"people": "person", "persons": "person", "children": "child", "men": "man", "women": "woman"}
    if unit in irregular:
        return irregular[unit]
    return unit[:-1] if unit.endswith("s") and not unit.endswith("ss") else unit


def _count_flags(count: Count) -> list[str]:
    flags = []
    if count.kind in _KIND_FLAG:
        flags.append(_KIND_FLAG[count.kind])
    if count.high is not None and count.high < SMALL_COUNT:
        flags.append(SMALL_COUNT_FLAG)
    return flags


def funnel_rates(programme: Programme, confidence: float = 0.95, method: str = "wilson") -> list[StageRate]:
    """The funnel table of one programme: each stage against its base and the first stage."""
    first = programme.first
    rows = []
    for stage in programme.stages:
        flags = _count_flags(stage.count)
        base = programme.stage(stage.base) if stage.base else None
        rr, rate_of_first, drop_off = NO_RATE, None, None
        if stage.outside:
            flags.insert(0, OUTSIDE_FUNNEL)
        elif base is None:
            flags.insert(0, FIRST_STAGE)
        elif base.unit != stage.unit:
            flags.insert(0, MIXED_UNITS)
            r = ratio(stage.count, base.count)
            rr = RateRange(r, r, r, None, None)
        else:
            rr = rate_range(stage.count, base.count, confidence, method)
            if stage.count.is_exact and base.count.is_exact:
                drop_off = base.count.low - stage.count.low
        if (
            base is not None
            and stage.unit == first.unit
            and programme.is_subset(stage.name, first.name)
            and stage.count.is_exact
            and first.count.is_exact
            and first.count.low
        ):
            rate_of_first = stage.count.low / first.count.low
        rows.append(
            StageRate(
                stage=stage.name,
                count=stage.count.exact,
                count_low=stage.count.low,
                count_high=stage.count.high,
                base=base.name if base else None,
                unit=stage.unit,
                rate=rr.rate,
                rate_low=rr.rate_low,
                rate_high=rr.rate_high,
                ci_lower=rr.ci_lower,
                ci_upper=rr.ci_upper,
                rate_of_first=rate_of_first,
                drop_off=drop_off,
                flags=tuple(flags),
                base_count=base.count if base else None,
                base_unit=base.unit if base else None,
                line=stage.line,
            )
        )
    return rows


class Definition(NamedTuple):
    """One numerator/denominator definition for the denominators table."""

    numerator: tuple[str, ...]
    denominator: str
    num_count: Count
    den_count: Count
    rate_range: RateRange
    subset: bool
    mixed_units: bool
    label: str


def _sum_counts(counts: list[Count]) -> Count:
    low = sum(c.low for c in counts)
    highs = [c.high for c in counts if c.high is not None]
    high = sum(highs) if len(highs) == len(counts) else None
    kinds = {c.kind for c in counts}
    kind = "exact" if kinds == {"exact"} else sorted(kinds - {"exact"})[0]
    return Count(low, high, kind, " + ".join(str(c) for c in counts))


def _fmt(count: Count) -> str:
    return f"{count.low:,}" if count.is_exact else str(count)


def _label(num: Count, den_stage: Stage) -> str:
    """Say the definition in words: "62 of 669 visited"."""
    name = den_stage.name
    if name[:1].isupper() and not name[1:2].isupper():
        name = name[0].lower() + name[1:]
    return f"{_fmt(num)} of {_fmt(den_stage.count)} {name}"


def _may_exceed(num: Count, den: Count) -> bool:
    """Can the numerator be more than the denominator? Then it is not a proportion of it."""
    return den.high is not None and num.low > den.high or num.is_exact and den.is_exact and num.low > den.low


def denominator_table(programme: Programme, confidence: float = 0.95, method: str = "wilson") -> list[Definition]:
    """Each numerator against each candidate denominator, so differing published rates sit side by side.

    Numerators: every in-funnel stage after the first, and each such stage plus one stage
    outside the funnel (the Met's 62 interested + 20 who phoned in). Candidate denominators:
    the stages the numerator's in-funnel part is nested in (its chain of bases). A sum with
    an outside stage is never a subset; a numerator in other units is a ratio.
    """
    inside = [s for s in programme.stages if not s.outside and s.base is not None]
    outside = [s for s in programme.stages if s.outside]
    numerators: list[tuple[Stage, tuple[Stage, ...]]] = []
    for s in inside:
        numerators.append((s, (s,)))
    for s in inside:
        chain = set(programme.ancestors(s.name))
        for o in outside:
            # an outside stage that s is nested in ("of the 20 who phoned in, 5 ...") already counts s
            if o.unit == s.unit and o.name not in chain:
                numerators.append((s, (s, o)))
    out = []
    for anchor, parts in numerators:
        names = tuple(p.name for p in parts)
        num = parts[0].count if len(parts) == 1 else _sum_counts([p.count for p in parts])
        for den_name in programme.ancestors(anchor.name):
            den = programme.stage(den_name)
            mixed = den.unit != anchor.unit
            subset = len(parts) == 1 and not mixed
            if mixed or _may_exceed(num, den.count):
                # a ratio (other units), or a sum that can be larger than the denominator: no proportion interval
                r = ratio(num, den.count)
                rr = RateRange(r, r, r, None, None)
            else:
                rr = rate_range(num, den.count, confidence, method)
            out.append(
                Definition(
                    numerator=names,
                    denominator=den_name,
                    num_count=num,
                    den_count=den.count,
                    rate_range=rr,
                    subset=subset,
                    mixed_units=mixed,
                    label=_label(num, den),
                )
            )
    return out
