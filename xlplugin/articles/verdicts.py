"""A claim found in a text, checked against the funnel: its definitions ranked by context, and a verdict.

The arithmetic is the claims module's (`xlplugin.core.claims.check_claim`: kinds, exact
intervals, inexact counts, complements, changes and ratios between programmes). What this
adapter adds is the text: each definition that gives the claim is scored by the claim's context
(`context.support`), the verdict comes from the best supported definition, and a definition
that only arithmetic supports is coincidental: it is listed, but never gives the verdict.
Verdicts are the claims vocabulary: reproduced, possible, reproduced_invalid, not_reproduced,
not_checkable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from xlplugin.articles import classify as cl
from xlplugin.articles.context import NAME_POINTS, Window, programme_words, stage_words, support
from xlplugin.articles.words import STOPWORDS
from xlplugin.core import claims
from xlplugin.core.funnel import Funnel, Programme

REPRODUCED = claims.REPRODUCED
POSSIBLE = claims.POSSIBLE
REPRODUCED_INVALID = claims.REPRODUCED_INVALID
NOT_REPRODUCED = claims.NOT_REPRODUCED
NOT_CHECKABLE = claims.NOT_CHECKABLE

VERDICT_WORDS = {
    REPRODUCED: "reproduced",
    POSSIBLE: "possible (for some of the counts the figures allow)",
    REPRODUCED_INVALID: "reproduced only by an invalid definition",
    NOT_REPRODUCED: "not reproduced",
    NOT_CHECKABLE: "not checkable against these figures",
}

#: A stated count equal to a stage's is evidence by itself, unless it is a small number.
EXACT_COUNT_POINTS = 1.0
SMALL_COUNT = 10
#: Words that add to a count already stated without bounding it ("a further 20").
_ADDING = {"a further", "another", "all"}


@dataclass(frozen=True)
class Definition:
    """One way the figures give (or come near) a claim, with its context score and its words."""

    programme: str | None
    numerator: tuple[str, ...]
    denominator: str | None
    value: float | None
    subset: bool
    mixed_units: bool
    support: float
    text: str
    complement: bool = False
    certain: bool = True
    from_programme: str | None = None
    to_programme: str | None = None
    reads_as: str | None = None

    @property
    def valid(self) -> bool:
        return self.subset and not self.mixed_units

    @property
    def coincidental(self) -> bool:
        return self.support <= 0

    def as_json(self) -> dict:
        doc: dict = {
            "programme": self.programme,
            "numerator": list(self.numerator),
            "denominator": self.denominator,
            "complement": self.complement,
            "value": self.value,
            "subset": self.subset,
            "mixed_units": self.mixed_units,
            "certain": self.certain,
            "support": self.support,
            "coincidental": self.coincidental,
            "definition": self.text,
        }
        if self.from_programme is not None or self.to_programme is not None:
            doc["from_programme"], doc["to_programme"] = self.from_programme, self.to_programme
        if self.reads_as is not None:
            doc["reads_as"] = self.reads_as
        return doc


@dataclass(frozen=True)
class Verdict:
    verdict: str
    matches: list[Definition] = field(default_factory=list)
    nearest: list[Definition] = field(default_factory=list)
    programme: str | None = None
    reason: str = ""

    @property
    def best(self) -> Definition | None:
        """The definition the verdict comes from: the best supported one."""
        supported = [m for m in self.matches if not m.coincidental]
        return supported[0] if supported else None


def _n(value: int | None) -> str:
    return f"{value:,}" if value is not None else "?"


def _pct(value: Fraction | float) -> str:
    return f"{float(value) * 100:.1f}%"


def _label(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _count(p: Programme, name: str) -> str:
    count = p.stage(name).count
    return _n(count.exact) if count.exact is not None else str(count)


def _programme(funnel: Funnel, name: str | None) -> Programme:
    return next((p for p in funnel.programmes if p.name == name), funnel.programmes[0])


def _value_text(m: claims.ClaimMatch, show) -> str:
    if m.value is not None:
        return show(m.value)
    high = "no limit" if m.value_high is None else show(m.value_high)
    return f"{show(m.value_low)} to {high}" if m.value_low is not None else "?"


def definition_text(m: claims.ClaimMatch, funnel: Funnel, kind: str) -> str:
    """ "62 interested in diversion of 1,000 identified for a visit = 6.2%", "669 visited"."""
    p = _programme(funnel, m.programme)
    several = len(funnel.programmes) > 1
    where = f"{m.programme}: " if several and m.programme and kind in (cl.RATE, cl.COUNT) else ""
    if kind == cl.COUNT or m.denominator is None and kind != cl.CHANGE:
        name = m.numerator[0]
        return f"{where}{_count(p, name)} {_label(name)}" + (" (other units)" if m.mixed_units else "")
    if kind == cl.CHANGE:
        stage = m.stage or " + ".join(m.numerator)
        what = (
            _label(stage)
            if m.denominator is None
            else f"{' + '.join(map(_label, m.numerator))} of {_label(m.denominator)}"
        )
        return f"{what}, {m.from_programme} to {m.to_programme}: {_value_text(m, lambda v: f'{float(v) * 100:+.1f}%')}"
    if kind == cl.RATIO:
        shown = _value_text(m, lambda v: f"{float(v):.2f}")
        num = " + ".join(map(_label, m.numerator))
        if m.from_programme is not None:
            return f"{num} of {_label(m.denominator)}, {m.to_programme} over {m.from_programme} = {shown} times"
        q = _programme(funnel, m.programme)
        top = f"{_count(q, m.numerator[0])} {_label(m.numerator[0])}"
        return f"{top} / {_count(q, m.denominator)} {_label(m.denominator)} = {shown} times"
    parts = " + ".join(f"{_count(p, n)} {_label(n)}" for n in m.numerator)
    text = f"{where}{parts} of {_count(p, m.denominator)} {_label(m.denominator)}"
    if m.complement:
        without = " + ".join(map(_label, m.numerator))
        text = f"{where}{_label(m.denominator)} without {without}: 1 − ({parts}) / {_count(p, m.denominator)}"
    text += f" = {_value_text(m, _pct)}"
    if m.mixed_units:
        text += " (different units)"
    elif not m.subset:
        text += " (numerator not a subset of the denominator)"
    return text


def _score(funnel: Funnel, window: Window, programme: str | None, names: tuple[str, ...], finding) -> float:
    p = _programme(funnel, programme)
    words = _words(p)
    entries = []
    for name in names:
        if name not in p._index:
            continue
        name_stems, note_stems = words[name]
        entries.append((name, p.stage(name).count.exact, name_stems, note_stems))
    several = len(funnel.programmes) > 1
    return support(window, entries, programme if several else None)


_WORDS: dict[int, tuple[Programme, dict]] = {}


def _words(p: Programme) -> dict:
    """`programme_words` of a programme, computed once (programmes are immutable)."""
    cached = _WORDS.get(id(p))
    if cached is None or cached[0] is not p:
        if len(_WORDS) > 256:
            _WORDS.clear()
        cached = (p, programme_words([(s.name, s.note) for s in p.stages]))
        _WORDS[id(p)] = cached
    return cached[1]


def _valid_nearest(parsed: claims.Claim, funnel: Funnel, window: Window, programme: str | None) -> list[Definition]:
    """The valid single-stage rate definitions the text points to, nearest the claim first (at
    most 3): what the claim should have said when only coincidences reproduce it."""
    out = []
    middle = (parsed.low + (parsed.high if parsed.high is not None else parsed.low)) / 2
    for p in funnel.programmes:
        if programme is not None and p.name != programme:
            continue
        for num in p.stages:
            for den in p.stages:
                n, d = num.count.exact, den.count.exact
                if num is den or n is None or not d or not p.is_subset(num.name, den.name) or num.unit != den.unit:
                    continue
                score = _score(funnel, window, p.name, (num.name, den.name), None)
                if score <= 0:
                    continue
                value = Fraction(n, d)
                reads = parsed.reads_as(value)
                text = f"{_count(p, num.name)} {_label(num.name)} of {_count(p, den.name)} {_label(den.name)}"
                text += f" = {_pct(value)}, published as {reads}"
                defn = Definition(p.name, (num.name,), den.name, float(value), True, False, score, text, reads_as=reads)
                out.append((-score, abs(value - middle), defn))
    out.sort(key=lambda t: (t[0], t[1]))
    return [d for _s, _dist, d in out[:3]]


def _definition(m: claims.ClaimMatch, funnel: Funnel, kind: str, score: float) -> Definition:
    return Definition(
        m.programme,
        m.numerator,
        m.denominator,
        None if m.value is None else float(m.value),
        m.subset,
        m.mixed_units,
        score,
        definition_text(m, funnel, kind),
        m.complement,
        m.certain,
        m.from_programme,
        m.to_programme,
    )


def _numerator_supported(funnel: Funnel, window: Window, m: claims.ClaimMatch, beside: int | None) -> bool:
    """Does the text say who a rate counts? Its numerator's count or words must be there; a count
    stated right beside the rate must be the numerator's."""
    p = _programme(funnel, m.programme)
    counts = [p.stage(n).count.exact for n in m.numerator]
    if beside is not None and not m.complement:
        return None not in counts and sum(c for c in counts if c is not None) == beside
    return _score(funnel, window, m.programme, m.numerator, None) > 0


_VOCAB: dict[int, tuple[Funnel, str]] = {}


def _vocabulary(funnel: Funnel) -> str:
    """The stage names and units, lower case, for "does the table count this noun"."""
    cached = _VOCAB.get(id(funnel))
    if cached is None or cached[0] is not funnel:
        names = " ".join(f"{s.name} {s.unit}" for p in funnel.programmes for s in p.stages).lower()
        cached = (funnel, names)
        _VOCAB.clear()
        _VOCAB[id(funnel)] = cached
    return cached[1]


def _best_stage(funnel: Funnel, window: Window) -> str | None:
    """The stage whose name the window speaks of most (None when it names none)."""
    best, best_score = None, 0.0
    for p in funnel.programmes:
        for stage in p.stages:
            name_stems, _note = stage_words(stage.name, stage.note)
            score = len(name_stems & window.stems) / max(1, len(name_stems))
            if score > best_score:
                best, best_score = stage.name, score
    return best


def _claim_text(finding: cl.Finding, text: str, vocabulary: str = "") -> str:
    """The words the claims parser reads: the quote, with a count's noun kept next to its number."""
    quote = finding.quote(text)
    if finding.kind == cl.COUNT:
        qualifier = "" if finding.qualifier in _ADDING else finding.qualifier
        number = f"{qualifier} {finding.expression.text}".strip()
        # the noun goes with the number only when the table has that word: the claims module
        # would otherwise call "1,071 cases" a count of something the table does not count
        noun = finding.noun if finding.noun.lower().rstrip("s") in vocabulary else ""
        if not finding.noun:  # the word after the number says what it counts ("438,000 burglaries")
            m = re.match(r"\s+([A-Za-z]{3,})\b", text[finding.expression.end : finding.expression.end + 40])
            noun = m.group(1) if m and m.group(1).lower() not in STOPWORDS else ""
        return f"{number} {noun}".strip()
    return re.sub(r"\s+", " ", quote)


def check_finding(
    finding: cl.Finding,
    text: str,
    funnel: Funnel,
    window: Window,
    programme: str | None = None,
    about: str | None = None,
    beside: int | None = None,
) -> Verdict:
    """The verdict on one claim found in `text`, from its best supported definition. `about` is
    the stage a change is about when the text says it (the count stated before it in its sentence);
    `beside` a count stated right beside a rate ("679 or 10%"), which must be its numerator."""
    try:
        parsed = claims.parse_claim(_claim_text(finding, text, _vocabulary(funnel)))
        core = claims.check_claim(parsed, funnel, programme)
    except (claims.ClaimError, ValueError) as exc:
        return Verdict(NOT_CHECKABLE, programme=programme, reason=str(exc))
    kind = finding.kind or parsed.kind
    defs = []
    for m in core.matches:
        if kind == cl.RATE and not _numerator_supported(funnel, window, m, beside):
            score = 0.0  # nothing in the text says who the claim counts: coincidence
            defs.append(_definition(m, funnel, kind, score))
            continue
        if kind == cl.CHANGE:
            names = (m.stage,) if m.stage else m.numerator
            score = _score(funnel, window, m.to_programme, names, finding)
            score += _score(funnel, window, m.from_programme, (), finding)
        else:
            names = (*m.numerator, *([m.denominator] if m.denominator else []))
            score = _score(funnel, window, m.programme, names, finding)
        if kind == cl.COUNT:
            # the count's own number is not "stated beside it"; its equality to a stage's is evidence
            score = _score(funnel, Window(window.text, window.stems, ()), m.programme, names, finding)
            if m.value is not None and m.value >= SMALL_COUNT:
                score += EXACT_COUNT_POINTS
        defs.append(_definition(m, funnel, kind, score))
    defs.sort(key=lambda d: (-d.support, not d.valid, not d.certain))
    best = next((d for d in defs if not d.coincidental), None)
    if best is not None:
        verdict = REPRODUCED if best.valid and best.certain else POSSIBLE if best.valid else REPRODUCED_INVALID
        return Verdict(verdict, defs, [], best.programme if programme is None else programme)
    nearest = []
    for n in core.nearest:
        names = (*n.numerator, *([n.denominator] if n.denominator else []))
        score = _score(funnel, window, n.programme, names, finding)
        p = _programme(funnel, n.programme)
        if n.denominator:
            words = " + ".join(f"{_count(p, x)} {_label(x)}" for x in n.numerator)
            shown = f"{words} of {_count(p, n.denominator)} {_label(n.denominator)} = {_pct(n.value)}"
        else:
            shown = f"{_count(p, n.numerator[0])} {_label(n.numerator[0])}"
        shown += f", published as {n.reads_as}"
        nearest.append(
            Definition(
                n.programme,
                n.numerator,
                n.denominator,
                float(n.value),
                True,
                False,
                score,
                shown,
                n.complement,
                True,
                n.from_programme,
                n.to_programme,
                n.reads_as,
            )
        )
    nearest.sort(key=lambda d: -d.support)
    if kind == cl.CHANGE and not defs:
        stage = about or _best_stage(funnel, window)
        if stage is not None and sum(stage in p._index for p in funnel.programmes) < 2:
            reason = f"the figures have {_label(stage)} for one period only"
            return Verdict(NOT_CHECKABLE, defs, [], programme, reason)
    if defs and kind == cl.RATE:
        nearest = _valid_nearest(parsed, funnel, window, programme)
        if nearest:
            return Verdict(NOT_REPRODUCED, defs, nearest, nearest[0].programme if programme is None else programme)
    if defs:
        reason = "only definitions that nothing in the text points to give it (coincidence)"
        return Verdict(NOT_CHECKABLE, defs, nearest, programme, reason)
    # a note's word alone (0.5) is too little to say which definition a wrong figure meant
    if core.verdict == NOT_REPRODUCED and any(d.support >= NAME_POINTS for d in nearest):
        return Verdict(NOT_REPRODUCED, defs, nearest, nearest[0].programme if programme is None else programme)
    reason = core.reason or "nothing in the text ties it to a stage of the figures"
    return Verdict(NOT_CHECKABLE, defs, nearest, programme, reason)
