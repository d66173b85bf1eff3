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

import bisect
import re
from dataclasses import dataclass, field
from fractions import Fraction

from xlplugin.articles import classify as cl
from xlplugin.articles.context import NAME_POINTS, PROGRAMME_POINTS, Window, programme_words, support
from xlplugin.articles.words import PEOPLE_WORDS, STOPWORDS, stem
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
    den = m.denominator or ""
    if kind == cl.RATIO:
        shown = _value_text(m, lambda v: f"{float(v):.2f}")
        num = " + ".join(map(_label, m.numerator))
        if m.from_programme is not None:
            return f"{num} of {_label(den)}, {m.to_programme} over {m.from_programme} = {shown} times"
        q = _programme(funnel, m.programme)
        top = f"{_count(q, m.numerator[0])} {_label(m.numerator[0])}"
        return f"{top} / {_count(q, den)} {_label(den)} = {shown} times"
    parts = " + ".join(f"{_count(p, n)} {_label(n)}" for n in m.numerator)
    text = f"{where}{parts} of {_count(p, den)} {_label(den)}"
    if m.complement:
        without = " + ".join(map(_label, m.numerator))
        text = f"{where}{_label(den)} without {without}: 1 − ({parts}) / {_count(p, den)}"
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


@dataclass(frozen=True)
class _RateDefinition:
    """One numerator/denominator pair of a programme, with its exact and float value."""

    key: tuple
    names: tuple[str, ...]
    den: str
    value: Fraction
    approx: float
    subset: bool
    mixed: bool


_DEFS: dict[int, tuple[Programme, list[_RateDefinition]]] = {}


def _rate_definitions(p: Programme, p_index: int) -> list[_RateDefinition]:
    """Every rate definition of a programme with exact counts, as the claims module enumerates
    them (single stages, and an in-funnel stage plus an outside one of the same unit, over every
    other stage), computed once per programme: they do not depend on the claim."""
    cached = _DEFS.get(id(p))
    if cached is not None and cached[0] is p:
        return cached[1]
    stages = list(p.stages)
    position = {s.name: i for i, s in enumerate(stages)}
    numerators = [(s,) for s in stages] + [
        (a, b) for a in stages if not a.outside for b in stages if b.outside and b.unit == a.unit
    ]
    out = []
    for num in numerators:
        n = sum(s.count.exact or 0 for s in num)
        names = tuple(s.name for s in num)
        for den in stages:
            d = den.count.exact
            if not d or den.name in names:
                continue
            mixed = num[0].unit != den.unit
            subset = not mixed and all(p.is_subset(x, den.name) for x in names)
            key = (len(names), p_index, tuple(position[x] for x in names), position[den.name])
            out.append(_RateDefinition(key, names, den.name, Fraction(n, d), n / d, subset, mixed))
    if len(_DEFS) > 64:
        _DEFS.clear()
    _DEFS[id(p)] = (p, out)
    return out


_INDEX: dict[int, tuple[Programme, list[float], list[tuple[_RateDefinition, bool]]]] = {}


def _rate_index(p: Programme, p_index: int) -> tuple[list[float], list[tuple[_RateDefinition, bool]]]:
    """The programme's definitions and valid definitions' complements, sorted by value, so a
    claim's interval finds its candidates by bisection."""
    cached = _INDEX.get(id(p))
    if cached is not None and cached[0] is p:
        return cached[1], cached[2]
    entries = []
    for d in _rate_definitions(p, p_index):
        entries.append((d.approx, d, False))
        if d.subset and d.value <= 1:
            entries.append((1 - d.approx, d, True))
    entries.sort(key=lambda e: e[0])
    values = [e[0] for e in entries]
    items = [(e[1], e[2]) for e in entries]
    if len(_INDEX) > 64:
        _INDEX.clear()
    _INDEX[id(p)] = (p, values, items)
    return values, items


def _stage_points(funnel: Funnel, window: Window, p: Programme) -> dict[str, float]:
    """Each stage's own share of `support` in this window (a definition's is their sum)."""
    words = _words(p)
    return {s.name: support(window, [(s.name, s.count.exact, *words[s.name])]) for s in p.stages}


def _programme_named(funnel: Funnel, window: Window, name: str | None) -> bool:
    if len(funnel.programmes) < 2 or not name:
        return False
    return bool(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", window.text, re.IGNORECASE))


def _valid_nearest(parsed: claims.Claim, funnel: Funnel, window: Window, programme: str | None) -> list[Definition]:
    """The valid single-stage rate definitions the text points to, nearest the claim first (at
    most 3): what the claim should have said when only coincidences reproduce it."""
    if any(s.count.exact is None for p in funnel.programmes for s in p.stages):
        return []
    middle = float((parsed.low + (parsed.high if parsed.high is not None else parsed.low)) / 2)
    ranked = []
    for p_index, p in enumerate(funnel.programmes):
        if programme is not None and p.name != programme:
            continue
        points = _stage_points(funnel, window, p)
        bonus = PROGRAMME_POINTS if _programme_named(funnel, window, p.name) else 0.0
        for d in _rate_definitions(p, p_index):
            if len(d.names) > 1 or not d.subset:
                continue
            score = points[d.names[0]] + points[d.den]
            if score <= 0:
                continue
            ranked.append((-(score + bonus), abs(d.approx - middle), d.key, p, d))
    ranked.sort(key=lambda t: (t[0], t[1], t[2]))
    out = []
    for neg_score, _dist, _key, p, d in ranked[:3]:
        reads = parsed.reads_as(d.value)
        text = f"{_count(p, d.names[0])} {_label(d.names[0])} of {_count(p, d.den)} {_label(d.den)}"
        text += f" = {_pct(d.value)}, published as {reads}"
        out.append(Definition(p.name, d.names, d.den, d.approx, True, False, -neg_score, text, reads_as=reads))
    return out


#: Slack for the float pre-filter: far wider than float error, far narrower than any claim.
_SLACK = 1e-9


def exact_rate_matches(parsed: claims.Claim, funnel: Funnel, programme: str | None) -> tuple | None:
    """The definitions that give a rate claim, as `claims.check_claim` finds them, when every
    count is exact (None otherwise, for the claims module to weigh): the same definitions, the
    same exact test (a float pre-filter with slack first), complements of valid ones (only they
    for a claim about those who did not), the same order. The claims module also ranks every
    other definition as a nearest one, which costs most of its time over a 20-stage funnel and
    many claims; this adapter names its own nearest (`_valid_nearest`). A test checks the two
    agree on every collected text."""
    progs = [p for p in funnel.programmes if programme is None or p.name == programme]
    if not progs or any(s.count.exact is None for p in progs for s in p.stages):
        return None
    low = float(parsed.low) - _SLACK
    high = (float(parsed.high) if parsed.high is not None else 1.0) + _SLACK
    found = []
    for p_index, p in enumerate(funnel.programmes):
        if p not in progs:
            continue
        values, items = _rate_index(p, p_index)
        for d, complement in items[bisect.bisect_left(values, low) : bisect.bisect_right(values, high)]:
            if parsed.negated and not complement:
                continue
            if d.subset and d.value > 1:
                continue
            shown = 1 - d.value if complement else d.value
            if not parsed.contains(shown):
                continue
            key = (d.key[0], complement, *d.key[1:])
            match = claims.ClaimMatch(p.name, d.names, d.den, shown, d.subset, d.mixed, complement, shown, shown, True)
            found.append((key, match))
    found.sort(key=lambda pair: pair[0])
    return tuple(m for _k, m in found)


def exact_count_matches(parsed: claims.Claim, funnel: Funnel, programme: str | None) -> tuple | None:
    """The stages whose count a count claim states, as `claims.check_claim` finds them, when every
    count is exact (None otherwise): in programme and stage order; in other units when the claim
    counts people and the stage does not. Its nouns are only those the table has."""
    progs = [p for p in funnel.programmes if programme is None or p.name == programme]
    if not progs or any(s.count.exact is None for p in progs for s in p.stages):
        return None
    people = any(stem(w) in PEOPLE_WORDS for w in parsed.noun.split())
    found = []
    for p in progs:
        for s in p.stages:
            n = s.count.exact
            if n is None or not parsed.contains(n):
                continue
            unit_people = not s.unit or s.unit == "not stated" or any(stem(w) in PEOPLE_WORDS for w in s.unit.split())
            mixed = people and not unit_people
            value = Fraction(n)
            found.append(
                claims.ClaimMatch(p.name, (s.name,), None, value, True, mixed, False, value, value, True, stage=s.name)
            )
    return tuple(found)


def _count_nearest(parsed: claims.Claim, funnel: Funnel, window: Window, programme: str | None) -> list[Definition]:
    """The stages the text points to, when a count matches none: what they hold (at most 3)."""
    out = []
    for p in funnel.programmes:
        if programme is not None and p.name != programme:
            continue
        points = _stage_points(funnel, Window(window.text, window.stems, ()), p)
        for s in p.stages:
            if s.count.exact is None or points[s.name] <= 0:
                continue
            reads = parsed.reads_as(Fraction(s.count.exact))
            text = f"{_count(p, s.name)} {_label(s.name)}, published as {reads}"
            d = Definition(
                p.name, (s.name,), None, float(s.count.exact), True, False, points[s.name], text, reads_as=reads
            )
            out.append(d)
    out.sort(key=lambda d: -d.support)
    return out[:3]


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


def published(count) -> float | None:
    """The number a table shows for a count: the exact count, or the rounded figure as published
    ("520,000" to the nearest 1,000); None for a suppressed or unavailable one."""
    if count.exact is not None:
        return float(count.exact)
    digits = re.sub(r"[,\s]", "", count.text or "")
    return float(digits) if count.kind == "rounded" and re.fullmatch(r"\d+", digits) else None


def _numerator_supported(funnel: Funnel, window: Window, m: claims.ClaimMatch, beside: int | None) -> bool:
    """Does the text say who a rate counts? Its numerator's count or words must be there; a count
    stated right beside the rate must be the numerator's."""
    p = _programme(funnel, m.programme)
    counts = [published(p.stage(n).count) for n in m.numerator]
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
        words = _words(p)
        for stage in p.stages:
            name_stems, _note = words[stage.name]
            score = len(name_stems & window.stems) / max(1, len(name_stems))
            if score > best_score:
                best, best_score = stage.name, score
    return best


def claim_text(finding: cl.Finding, text: str, vocabulary: str = "") -> str:
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
        parsed = claims.parse_claim(claim_text(finding, text, _vocabulary(funnel)))
        if parsed.kind == cl.RATE:
            fast = exact_rate_matches(parsed, funnel, programme)
        elif parsed.kind == cl.COUNT:
            fast = exact_count_matches(parsed, funnel, programme)
        else:
            fast = None
        core = claims.check_claim(parsed, funnel, programme) if fast is None else None
    except (claims.ClaimError, ValueError) as exc:
        return Verdict(NOT_CHECKABLE, programme=programme, reason=str(exc))
    core_matches: tuple = fast if fast is not None else core.matches if core is not None else ()
    kind = finding.kind or parsed.kind
    defs = []
    for m in core_matches:
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
    for n in core.nearest if core is not None else ():
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
    if core is None:  # nothing gives the claim: what it should have said, if anything
        if kind == cl.COUNT:
            nearest = _count_nearest(parsed, funnel, window, programme)
        else:
            nearest = _valid_nearest(parsed, funnel, window, programme)
    # a note's word alone (0.5) is too little to say which definition a wrong figure meant
    wrong = core is None or core.verdict == NOT_REPRODUCED
    if wrong and any(d.support >= NAME_POINTS for d in nearest):
        return Verdict(NOT_REPRODUCED, defs, nearest, nearest[0].programme if programme is None else programme)
    reason = (core.reason if core is not None else "") or "nothing in the text ties it to a stage of the figures"
    return Verdict(NOT_CHECKABLE, defs, nearest, programme, reason)
