"""A claim found in a text, checked against the funnel: its definitions ranked by context, and a verdict.

This is the article checker's adapter over `xlplugin.core.claims`: rates are read and matched by
`parse_claim`/`explain_claim`; counts, changes and ratios are matched here. The verdicts are the
claims vocabulary (PRODUCT.md, "Kinds and verdicts"): reproduced, possible, reproduced_invalid,
not_reproduced, not_checkable. A definition that only arithmetic supports (no stage word, count
or programme name in the claim's sentence or the one before) is coincidental: it is listed, but
never gives the verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from xlplugin.articles import classify as cl
from xlplugin.articles import finder
from xlplugin.articles.context import Window, stage_words, support
from xlplugin.core import claims
from xlplugin.core.funnel import Funnel, Programme

REPRODUCED = "reproduced"
POSSIBLE = "possible"
REPRODUCED_INVALID = "reproduced_invalid"
NOT_REPRODUCED = "not_reproduced"
NOT_CHECKABLE = "not_checkable"

VERDICT_WORDS = {
    REPRODUCED: "reproduced",
    POSSIBLE: "possible (for some of the counts the figures allow)",
    REPRODUCED_INVALID: "reproduced only by an invalid definition",
    NOT_REPRODUCED: "not reproduced",
    NOT_CHECKABLE: "not checkable against these figures",
}

#: Qualifiers that say nothing about precision (PRODUCT.md: "just 6%" is "6%").
_EMPHASIS = {"just", "only", "a mere", "merely", "barely", "a further", "another", "a total of", "in total", "all"}


@dataclass(frozen=True)
class Definition:
    """One way the figures give a claim: numerator stage(s) over a denominator (None for a count),
    or from one programme to another (a change); `support` is its context score."""

    programme: str | None
    numerator: tuple[str, ...]
    denominator: str | None
    value: float
    subset: bool
    mixed_units: bool
    support: float
    text: str
    to_programme: str | None = None

    @property
    def coincidental(self) -> bool:
        return self.support <= 0

    def as_json(self) -> dict:
        doc: dict = {
            "programme": self.programme,
            "numerator": list(self.numerator),
            "denominator": self.denominator,
            "value": self.value,
            "subset": self.subset,
            "mixed_units": self.mixed_units,
            "support": self.support,
            "coincidental": self.coincidental,
            "definition": self.text,
        }
        if self.to_programme is not None:
            doc["to_programme"] = self.to_programme
        return doc


@dataclass(frozen=True)
class Verdict:
    verdict: str
    matches: list[Definition] = field(default_factory=list)
    nearest: list[Definition] = field(default_factory=list)
    programme: str | None = None

    @property
    def best(self) -> Definition | None:
        supported = [m for m in self.matches if not m.coincidental]
        return supported[0] if supported else None


class _Stages:
    """Each stage's words and exact count, computed once per programme."""

    def __init__(self, programme: Programme):
        self.programme = programme
        self.words = {s.name: stage_words(s.name, s.note) for s in programme.stages}

    def entry(self, name: str):
        stage = self.programme.stage(name)
        name_stems, note_stems = self.words[name]
        return (name, stage.count.exact, name_stems, note_stems)


def _n(value: int | None) -> str:
    return f"{value:,}" if value is not None else "?"


def _pct(value: Fraction | float, places: int = 1) -> str:
    return f"{float(value) * 100:.{places}f}%"


def _label(name: str) -> str:
    return name[:1].lower() + name[1:] if not name[:2].isupper() else name


def _rate_text(programme: Programme, numerator: tuple[str, ...], denominator: str, value: Fraction) -> str:
    parts = " + ".join(f"{_n(programme.stage(n).count.exact)} {_label(n)}" for n in numerator)
    return f"{parts} of {_n(programme.stage(denominator).count.exact)} {_label(denominator)} = {_pct(value)}"


def _claim_text(finding: cl.Finding) -> str:
    qualifier = "" if finding.qualifier in _EMPHASIS else finding.qualifier
    return f"{qualifier} {finding.expression.text}".strip()


def _programmes(funnel: Funnel, only: str | None) -> list[Programme]:
    return [p for p in funnel.programmes if only is None or p.name == only]


def _rank(defs: list[Definition]) -> list[Definition]:
    """Best supported first; among equals, valid (subset, same units) definitions first."""
    return sorted(defs, key=lambda d: (-d.support, not (d.subset and not d.mixed_units)))


def check_rate(finding: cl.Finding, funnel: Funnel, window: Window, only: str | None = None) -> Verdict:
    try:
        interval = claims.parse_claim(_claim_text(finding))
    except claims.ClaimError:
        return Verdict(NOT_CHECKABLE)
    defs = []
    for m in claims.explain_claim(interval, Funnel(tuple(_programmes(funnel, only)))):
        programme = next(p for p in funnel.programmes if p.name == m.programme)
        stages = _Stages(programme)
        entries = [stages.entry(n) for n in (*m.numerator, m.denominator)]
        score = support(window, entries, m.programme if len(funnel.programmes) > 1 else None)
        text = _rate_text(programme, m.numerator, m.denominator, m.value)
        if m.mixed_units:
            text += " (different units)"
        elif not m.subset:
            text += " (numerator not a subset of the denominator)"
        defs.append(
            Definition(m.programme, m.numerator, m.denominator, float(m.value), m.subset, m.mixed_units, score, text)
        )
    defs = _rank(defs)
    best = next((d for d in defs if not d.coincidental), None)
    if best is not None:
        verdict = REPRODUCED if best.subset and not best.mixed_units else REPRODUCED_INVALID
        return Verdict(verdict, defs, [], best.programme)
    nearest = _nearest_rates(funnel, interval, window, only)
    if not any(d.support > 0 for d in nearest):
        return Verdict(NOT_CHECKABLE, defs, nearest)
    return Verdict(NOT_REPRODUCED, defs, nearest, nearest[0].programme if nearest else None)


def _published_as(value: Fraction, claim: claims.ClaimInterval) -> str:
    """What a value would have been published as, at the claim's precision."""
    width = claim.high - claim.low
    places = 0
    if 0 < width * 100 < Decimal("0.5"):
        places = max(0, -math.floor(math.log10(float(width * 100))))
    return _pct(value, places)


def _nearest_rates(
    funnel: Funnel, interval: claims.ClaimInterval, window: Window, only: str | None
) -> list[Definition]:
    """The valid single-stage definitions closest to the claim, best supported first (at most 3)."""
    out = []
    middle = (interval.low + interval.high) / 2
    for programme in _programmes(funnel, only):
        stages = _Stages(programme)
        for num in programme.stages:
            for den in programme.stages:
                n, d = num.count.exact, den.count.exact
                if num is den or n is None or not d or not programme.is_subset(num.name, den.name):
                    continue
                if num.unit != den.unit:
                    continue
                value = Fraction(n, d)
                score = support(window, [stages.entry(num.name), stages.entry(den.name)])
                text = _rate_text(programme, (num.name,), den.name, value)
                text += f", published as {_published_as(value, interval)}"
                out.append(
                    (
                        -score,
                        abs(value - middle),
                        Definition(programme.name, (num.name,), den.name, float(value), True, False, score, text),
                    )
                )
    out.sort(key=lambda t: (t[0], t[1]))
    return [d for _s, _dist, d in out[:3]]


def count_interval(finding: cl.Finding) -> tuple[float, float, bool, bool]:
    """The counts a stated count allows: (low, high, low_open, high_open). A bare count is exact;
    "about 700" is 700 give or take half its last non-zero place; "over 600" is (600, inf)."""
    value = finding.expression.value or 0.0
    kind = claims.QUALIFIERS.get(finding.qualifier, None)
    digits = finding.expression.text.replace(",", "").split(".")[0].strip()
    zeros = len(digits) - len(digits.rstrip("0")) if digits.isdigit() else 0
    half = 10**zeros / 2 if zeros else 0.5
    inf = math.inf
    if kind is None:
        return value, value, False, False
    return {
        claims.BARE: (value - half, value + half, False, False),
        claims.JUST_OVER: (value, value + half, True, False),
        claims.JUST_UNDER: (value - half, value, False, True),
        claims.OVER: (value, inf, True, False),
        claims.UNDER: (0.0, value, False, True),
        claims.AT_LEAST: (value, inf, False, False),
        claims.AT_MOST: (0.0, value, False, False),
    }[kind]


def _inside(x: float, bounds: tuple[float, float, bool, bool]) -> bool:
    low, high, low_open, high_open = bounds
    return (x > low if low_open else x >= low) and (x < high if high_open else x <= high)


def check_count(finding: cl.Finding, funnel: Funnel, window: Window, only: str | None = None) -> Verdict:
    bounds = count_interval(finding)
    value = finding.expression.value or 0.0
    defs = []
    nearest = []
    noun = finding.noun
    for programme in _programmes(funnel, only):
        stages = _Stages(programme)
        for stage in programme.stages:
            entry = stages.entry(stage.name)
            score = support(
                window, [(*entry[:1], None, *entry[2:])], programme.name if len(funnel.programmes) > 1 else None
            )
            if noun and noun.lower() in stage.unit.lower():
                score += 0.5
            low, high = stage.count.low, stage.count.high
            text = f"{stage.count} {_label(stage.name)}"
            exact = stage.count.exact
            if exact is not None and _inside(exact, bounds):
                # a stated count equal to a stage's is itself evidence unless it is a small number
                score += 1.0 if value >= 10 else 0.0
                defs.append(Definition(programme.name, (stage.name,), None, float(exact), True, False, score, text))
            elif exact is None and high is not None and (_inside(low, bounds) or _inside(high, bounds)):
                defs.append(
                    Definition(programme.name, (stage.name,), None, float(low), True, False, score - 0.01, text)
                )
            elif score > 0:
                nearest.append(Definition(programme.name, (stage.name,), None, float(low), True, False, score, text))
    defs = _rank(defs)
    best = next((d for d in defs if not d.coincidental), None)
    if best is not None:
        stage = next(p for p in funnel.programmes if p.name == best.programme).stage(best.numerator[0])
        verdict = REPRODUCED if stage.count.exact is not None else POSSIBLE
        return Verdict(verdict, defs, [], best.programme)
    nearest = _rank(nearest)[:3]
    if not nearest:
        return Verdict(NOT_CHECKABLE, defs, [])
    return Verdict(NOT_REPRODUCED, defs, nearest, nearest[0].programme)


def _stated(finding: cl.Finding) -> tuple[float, float, bool, bool]:
    """A change or ratio as stated: value and half a unit of its last digit, then the qualifier."""
    expr = finding.expression
    value = expr.value or 0.0
    if expr.form == finder.MULTIPLE or expr.form in (finder.NUMBER, finder.WORDS) and value.is_integer():
        half = 0.5 if expr.form != finder.MULTIPLE or value >= 1 else 0.05
    else:
        text = expr.text.split("%")[0].split(" ")[0]
        decimals = len(text.split(".")[1]) if "." in text else 0
        half = 0.5 / 10**decimals
    kind = claims.QUALIFIERS.get(finding.qualifier, claims.BARE)
    return {
        claims.BARE: (value - half, value + half, False, False),
        claims.JUST_OVER: (value, value + half, True, False),
        claims.JUST_UNDER: (value - half, value, False, True),
        claims.OVER: (value, math.inf, True, False),
        claims.UNDER: (-math.inf, value, False, True),
        claims.AT_LEAST: (value, math.inf, False, False),
        claims.AT_MOST: (-math.inf, value, False, False),
    }[kind]


def _falling(text: str) -> bool:
    return any(
        w in text.lower()
        for w in (
            "fell",
            "fall",
            "drop",
            "down",
            "decreas",
            "declin",
            "reduc",
            "cut",
            "lower",
            "halved",
            "fewer",
            "less",
        )
    )


def check_change(finding: cl.Finding, funnel: Funnel, window: Window, text: str) -> Verdict:
    """A change between two programmes (periods) of the same stage: relative change of its count
    ("rose by 48.5%", "doubled") or percentage points of its rate of base ("up 5 points")."""
    programmes = list(funnel.programmes)
    if len(programmes) < 2:
        return Verdict(NOT_CHECKABLE)
    expr = finding.expression
    around = text[max(0, finding.quote_start - 40) : finding.quote_end + 20]
    sign = -1.0 if _falling(around) else 1.0
    points = "point" in text[finding.quote_start : finding.quote_end + 25].lower()
    if expr.form == finder.MULTIPLE:
        bounds = _stated(finding)  # a factor
    else:
        low, high, lo_open, hi_open = _stated(finding)
        bounds = (low, high, lo_open, hi_open)
    defs = []
    for i, a in enumerate(programmes):
        for b in programmes[i + 1 :]:
            for stage in a.stages:
                if stage.name not in b._index:
                    continue
                sa, sb = stage, b.stage(stage.name)
                x, y = sa.count.exact, sb.count.exact
                if x is None or y is None or x == 0:
                    continue
                if expr.form == finder.MULTIPLE:
                    value = y / x
                    ok = _inside(value, bounds)
                    shown = f"{_n(y)} / {_n(x)} = {value:.2f} times"
                elif points:
                    if sa.base is None or sb.base is None:
                        continue
                    da, db = a.stage(sa.base).count.exact, b.stage(sb.base).count.exact
                    if not da or not db:
                        continue
                    value = (y / db - x / da) * 100
                    ok = _inside(sign * value, bounds) if sign > 0 else _inside(-value, bounds)
                    shown = f"{_pct(x / da)} to {_pct(y / db)} = {value:+.1f} points"
                else:
                    value = (y - x) / x * 100
                    ok = _inside(abs(value), bounds) and (value >= 0) == (sign > 0)
                    shown = f"{_n(x)} to {_n(y)} = {value:+.1f}%"
                if not ok:
                    continue
                stages = _Stages(a)
                score = (
                    support(window, [stages.entry(stage.name)])
                    + support(Window(window.text, frozenset(), ()), [], a.name)
                    + support(Window(window.text, frozenset(), ()), [], b.name)
                )
                label = f"{_label(stage.name)}, {a.name} to {b.name}: {shown}"
                defs.append(Definition(a.name, (stage.name,), None, value, True, False, score, label, b.name))
    defs = _rank(defs)
    best = next((d for d in defs if not d.coincidental), None)
    if best is not None:
        return Verdict(REPRODUCED, defs, [], best.programme)
    return Verdict(NOT_CHECKABLE if not defs else NOT_REPRODUCED, defs, [])


def check_ratio(finding: cl.Finding, funnel: Funnel, window: Window, only: str | None = None) -> Verdict:
    """ "twice as many", "three times as likely": one stage's count over another's, as a factor."""
    bounds = _stated(finding)
    defs = []
    for programme in _programmes(funnel, only):
        stages = _Stages(programme)
        for a in programme.stages:
            for b in programme.stages:
                x, y = a.count.exact, b.count.exact
                if a is b or x is None or not y or not _inside(x / y, bounds):
                    continue
                score = support(window, [stages.entry(a.name), stages.entry(b.name)])
                text = f"{_n(x)} {_label(a.name)} / {_n(y)} {_label(b.name)} = {x / y:.2f} times"
                mixed = a.unit != b.unit
                defs.append(Definition(programme.name, (a.name,), b.name, x / y, not mixed, mixed, score, text))
    defs = _rank(defs)
    best = next((d for d in defs if not d.coincidental), None)
    if best is not None:
        return Verdict(REPRODUCED if not best.mixed_units else REPRODUCED_INVALID, defs, [], best.programme)
    return Verdict(NOT_CHECKABLE, defs, [])
