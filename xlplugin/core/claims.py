"""Published claims as people make them, read as exact intervals and checked against a funnel.

A claim is true of many values: "9%" is anything that rounds to 9%. Reading a claim as the
interval it states, at its stated precision, lets us say which definitions (numerator over
denominator) reproduce it — the heart of the Met's "6%, 9%, 12%" problem. Arithmetic is exact
(`fractions.Fraction`): a value on an interval's edge is decided by the definition, never by
floating-point luck.

API (used by the CLI, the report, the Excel functions and the article checker)::

    parse_claim(text) -> Claim          # ClaimError (a ValueError) when unreadable
    check_claim(claim, funnel_or_programmes, programme=None, *, from_programme=None,
                to_programme=None) -> Verdict
    verdict_words(verdict, funnel) -> str   # "Reproduced only by an invalid definition: ..."

`Claim.kind` is one of `KINDS`:

* ``rate``   "9%", "just 6%", "one in 16", "over two thirds", "96% ... no arrest": a proportion
  in [0, 1];
* ``count``  "just 62 individuals", "around 650", "more than 6,000", "fewer than 20";
* ``change`` between two programmes or periods: relative ("rose by 48.5%", "fell by a third",
  "doubled", "halved", "a 7 per cent rise": the proportion new/old − 1), absolute ("up 5
  percentage points": the difference of two rates, as a proportion; `Claim.points` is True),
  "from 31% to 45%" (`Claim.parts`, two rate or count claims), or a direction only ("rose",
  "has fallen each year": `Claim.each`);
* ``ratio``  "twice as many", "three times as likely": the multiple of one count (or rate, when
  `Claim.of_rates`) over another.

`Claim.low`/`high` (with `low_open`/`high_open`) bound the claim's value; `high` is None when
unbounded ("more than 6,000", "rose"). `Claim.negated` says the text speaks of those who did
not ("96% led to no arrest", "60% did not take up"): only complements are then read for it.

Semantics (PRODUCT.md, "Claim semantics"). A value V has a bare interval [V−h, V+h]:

* percentage with d decimals: h = half a unit of the last digit;
* "K in M": M is the stated whole number, so [K/(M+½), K/(M−½)];
* named fraction K/M ("two thirds", "a fifth"): V is the exact fraction, h half a percentage
  point; multiples ("twice", "three times", "doubled"): h is half a unit of the multiple;
* count: h = ½ (the count itself) unless said approximately ("about", "around", "some", ...):
  then half a unit of its last non-zero digit ("around 650" is 645–655).

Qualifiers then choose a part of it (`QUALIFIERS`): bare/about/just/only/a mere -> [V−h, V+h];
just over -> (V, V+h]; just under/nearly -> [V−h, V); over -> (V, max]; under -> [0, V);
at least -> [V, max]; at most -> [0, V]. Rates are clipped to [0, 100%].

`Verdict.verdict` is one of `VERDICTS`:

* ``reproduced``          a valid definition (numerator a subset of its denominator, same units)
  gives the claim for every count the figures allow;
* ``possible``            a valid definition gives it for some of those counts, not all;
* ``reproduced_invalid``  only definitions whose numerator is not a subset of the denominator, or
  in other units, give it (the Met's 12%);
* ``not_reproduced``      nothing gives it; `Verdict.nearest` names the nearest valid
  definitions and what each would have been published as (`reads_as`);
* ``not_checkable``       the figures cannot test it (a change with one period; a count of
  something not in the table); `Verdict.reason` says why.

`Verdict.matches` are `ClaimMatch` (programme, numerator, denominator, complement, value,
value_low, value_high, subset, mixed_units, certain; for changes from_programme, to_programme,
stage), simplest first. Inexact counts (rounded, suppressed, `<N`, `[x]`) are integer
intervals, tightened by nesting (a child of 3 under a `[c]` parent makes the parent 3–4,
`count_bounds`); a definition's value is then an interval and `certain` says whether every
count the figures allow reproduces the claim.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Rational

from xlplugin.core.counts import Count
from xlplugin.core.funnel import Funnel, Programme
from xlplugin.core.lazyre import lazy
from xlplugin.core.numberwords import FRACTIONS as _ORDINALS
from xlplugin.core.numberwords import ONES, SCALES, TEENS, TENS
from xlplugin.core.record import NamedTuple, Record, field

__all__ = [
    "ACCEPTED_FORMS",
    "CHANGE",
    "COUNT",
    "Claim",
    "ClaimError",
    "ClaimInterval",
    "ClaimMatch",
    "KINDS",
    "NOT_CHECKABLE",
    "NOT_REPRODUCED",
    "POSSIBLE",
    "QUALIFIERS",
    "RATE",
    "RATIO",
    "REPRODUCED",
    "REPRODUCED_INVALID",
    "VERDICTS",
    "Nearest",
    "Verdict",
    "check_claim",
    "claim_matches",
    "count_bounds",
    "explain_claim",
    "parse_claim",
    "verdict_words",
]

RATE, COUNT, CHANGE, RATIO = "rate", "count", "change", "ratio"
KINDS = (RATE, COUNT, CHANGE, RATIO)

REPRODUCED = "reproduced"
POSSIBLE = "possible"
REPRODUCED_INVALID = "reproduced_invalid"
NOT_REPRODUCED = "not_reproduced"
NOT_CHECKABLE = "not_checkable"
#: Best first: a claim's verdict is the best any definition earns.
VERDICTS = (REPRODUCED, POSSIBLE, REPRODUCED_INVALID, NOT_REPRODUCED, NOT_CHECKABLE)

ACCEPTED_FORMS = (
    'a percentage ("9%", "9.3%", "12 per cent", "12pc"), "one in 16", "2 in 5", a named '
    'fraction ("half", "a third", "two thirds", "a quarter"), a count ("62 individuals"), a change '
    '("rose by 48.5%", "up 5 percentage points", "halved") or a ratio ("twice as many"), optionally '
    'after a qualifier such as "about", "just", "just over", "nearly", "over", "under", "at least" '
    'or "at most"'
)

#: Longest claim text we read; a claim is a phrase, not a document.
MAX_CLAIM_LENGTH = 1000

_ZERO = Fraction(0)
_ONE = Fraction(1)
_HALF = Fraction(1, 2)
_HALF_POINT = Fraction(1, 200)

# Qualifier kinds: which part of the value's bare interval the claim states.
BARE = "bare"
JUST_OVER = "just_over"
JUST_UNDER = "just_under"
OVER = "over"
UNDER = "under"
AT_LEAST = "at_least"
AT_MOST = "at_most"

#: Words that stress a value without changing it ("just 6%" is "6%").
_EMPHASIS = [
    "just",
    "only",
    "a mere",
    "mere",
    "merely",
    "almost exactly",
    "exactly",
    "precisely",
    "fully",
    "a full",
    "as many as",
    "as few as",
    "as much as",
    "as little as",
    "a total of",
    "in total",
    "an estimated",
    "estimated",
    "a staggering",
    "a whopping",
    "barely",
    "all but",
]
#: Words that say a value is approximate (a count's precision is then its last non-zero digit).
_APPROXIMATE = ["about", "around", "roughly", "approximately", "approx.", "approx", "circa", "c.", "some", "~"]

#: Phrase -> kind. PRODUCT.md's list plus everyday synonyms of the same meaning.
QUALIFIERS: dict[str, str] = {
    **dict.fromkeys(_APPROXIMATE + _EMPHASIS, BARE),
    **dict.fromkeys(
        [
            "just over",
            "slightly more than",
            "slightly over",
            "just above",
            "slightly above",
            "just more than",
            "a little over",
            "a little more than",
            "a little above",
        ],
        JUST_OVER,
    ),
    **dict.fromkeys(
        [
            "just under",
            "nearly",
            "almost",
            "slightly less than",
            "slightly under",
            "just below",
            "slightly below",
            "just less than",
            "a little under",
            "a little less than",
            "a little below",
            "not quite",
            "just short of",
        ],
        JUST_UNDER,
    ),
    **dict.fromkeys(
        ["over", "more than", "above", "greater than", "in excess of", "upwards of", "well over", "well above"],
        OVER,
    ),
    **dict.fromkeys(
        ["under", "less than", "below", "fewer than", "lower than", "well under", "well below"],
        UNDER,
    ),
    **dict.fromkeys(["at least", "no less than", "not less than", "no fewer than"], AT_LEAST),
    **dict.fromkeys(["at most", "up to", "no more than", "not more than"], AT_MOST),
}
# Longest first, so "just over" wins over "just" and "over", "a little over" over a named fraction.
_QUALIFIER_ORDER = sorted(QUALIFIERS, key=len, reverse=True)
_QUAL_RE = "|".join(re.escape(q) for q in _QUALIFIER_ORDER)

_UNITS, _TEENS, _TENS, _SCALES = ONES, TEENS, TENS, SCALES  # numbers in words: core/numberwords.py


#: Words that carry meaning in a claim: never ignored as a noun after a value.
_CLAIM_WORDS = frozenset(
    " ".join([*QUALIFIERS, *_UNITS, *_TEENS, *_TENS, *_SCALES, *_ORDINALS]).split()
    + [
        "a",
        "an",
        "and",
        "in",
        "out",
        "every",
        "per",
        "cent",
        "percent",
        "pc",
        "pct",
        "half",
        "percentage",
        "point",
        "points",
    ]
)

_PERCENT_SIGN = r"(?:%|per\s?cent|percent|pct|pc|p\.c\.?)"
_PERCENT_RE = lazy(rf"(?P<num>\d+(?:\.\d+)?|\.\d+)\s*{_PERCENT_SIGN}")
_WORD_PERCENT_RE = lazy(r"(?P<words>[a-z]+(?: [a-z]+){0,3})\s*(?:%|per\s?cent|percent)")
_COUNT = r"\d{1,3}(?:,\d{3})+|\d+|[a-z]+(?: [a-z]+){0,2}"
# M may be followed by plain words ("one in five adults"); _k_in_m decides what M is.
_M_AND_WORDS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?: .*)?|[a-z].*"
_K_IN_M_RE = lazy(rf"(?P<k>{_COUNT}) in (?:every )?(?P<m>{_M_AND_WORDS})")
_NAMED_RE = lazy(r"(?:(?P<k>[a-z]+) )?(?P<word>[a-z]+)")
_OF_TAIL_RE = lazy(r"\s+of(?:\s.*)?$")
_INT_RE = lazy(r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<scale>k|m|bn| thousand| million)?")
_NEGATION_RE = lazy(r"\b(?:no|not|without|never|none|didn't|did not|failed to|fail to|neither|nor)\b")

#: Person words: a count claim of these is not a count of contacts or visits.
_PERSON_WORDS = frozenset(
    [
        "people",
        "person",
        "persons",
        "individuals",
        "individual",
        "men",
        "women",
        "children",
        "adults",
        "offenders",
        "families",
        "users",
        "patients",
        "residents",
        "pupils",
        "students",
        "young",
    ]
)


class ClaimError(ValueError):
    """Claim text we cannot read. The message says why and what we accept."""


class Claim(Record):
    """What a claim states: its kind and the exact interval of its value, with open or closed ends.

    For a rate the value is a proportion (0 to 1); for a count, a number of things; for a
    change, new/old − 1 (or, with `points`, the difference of two rates); for a ratio, the
    multiple. `high` None means no upper bound."""

    text: str
    low: Fraction
    high: Fraction | None
    low_open: bool = False
    high_open: bool = False
    kind: str = RATE
    value: Fraction | None = field(default=None, compare=False)  # V, the stated value
    qualifier: str = field(default="", compare=False)  # the phrase read ("just over"), "" if none
    form: str = field(default="percent", compare=False)  # percent|k_in_m|named|count|multiple|direction
    decimals: int = field(default=0, compare=False)  # a percentage's stated decimals (for reads_as)
    negated: bool = field(default=False, compare=False)  # about those who did not: complements only
    points: bool = field(default=False, compare=False)  # a change in percentage points
    each: bool = field(default=False, compare=False)  # "each year": every consecutive pair
    of_rates: bool = field(default=False, compare=False)  # a ratio of rates ("as likely")
    noun: str = field(default="", compare=False)  # what a count counts ("individuals")
    parts: tuple[Claim, ...] = field(default=(), compare=False)  # "from 31% to 45%"

    def contains(self, value: Fraction | int | float) -> bool:
        """Is `value` one the claim describes? Floats are taken at their exact binary value, so
        pass a Fraction when the decision matters on an edge."""
        exact = _to_fraction(value)
        if exact is None:
            return False
        above_low = exact > self.low if self.low_open else exact >= self.low
        if self.high is None:
            return above_low
        below_high = exact < self.high if self.high_open else exact <= self.high
        return above_low and below_high

    def __contains__(self, value: Fraction | int | float) -> bool:
        return self.contains(value)

    def __str__(self) -> str:
        show = _percent_text if self.kind == RATE or (self.kind == CHANGE and self.form != "count") else _plain
        high = "∞" if self.high is None else show(self.high)
        return (
            ("(" if self.low_open else "[")
            + show(self.low)
            + ", "
            + high
            + (")" if self.high_open or self.high is None else "]")
        )

    def reads_as(self, value: Fraction) -> str:
        """`value` as it would have been published in this claim's form: "38%", "1 in 16"."""
        if self.kind == COUNT:
            return f"{round(value):,}"
        if self.form == "k_in_m" and value > 0 and self.value:
            k = self.value.numerator
            return f"{k} in {_round_half_up(k / value):,}"
        if self.kind == CHANGE and self.form == "multiple":
            return _decimal_text(value + 1, 1) + " times"
        if self.kind in (RATE, CHANGE):
            digits = self.decimals
            pct = value * 100
            return _decimal_text(pct, digits) + ("%" if not self.points else " points")
        return _decimal_text(value, max(1, self.decimals)) + " times"


#: The former name: a rate claim is the interval of proportions it states.
ClaimInterval = Claim


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + _HALF)


def _decimal_text(value: Fraction, digits: int) -> str:
    scaled = _round_half_up(abs(value) * 10**digits)
    sign = "-" if value < 0 and scaled else ""
    whole, frac = divmod(scaled, 10**digits)
    return sign + (f"{whole}.{frac:0{digits}d}" if digits else f"{whole}")


def _to_fraction(value) -> Fraction | None:
    if isinstance(value, bool):
        raise TypeError("a proportion must be a number, not TRUE/FALSE")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (Integral, Rational)):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    raise TypeError(f"a proportion must be a number, not {type(value).__name__}")


def _percent_text(value: Fraction) -> str:
    """A proportion as a percentage for messages: exact when short, else to 4 decimals."""
    pct = value * 100
    for digits in range(5):
        if (pct * 10**digits).denominator == 1:
            return f"{Decimal(pct.numerator) / Decimal(pct.denominator):.{digits}f}%"
    return f"{float(pct):.4f}%"


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.6g}"


# --------------------------------------------------------------------------------------------
# Parsing


def _fail(text: str, why: str) -> ClaimError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return ClaimError(f"cannot read the claim '{shown}': {why}. A claim is {ACCEPTED_FORMS}.")


def _normalise(text: str) -> str:
    t = text.lower()
    t = t.translate(
        {
            0x2018: "'",
            0x2019: "'",
            0x201A: "'",
            0x201B: "'",
            0x2032: "'",
            0x201C: '"',
            0x201D: '"',
            0x201E: '"',
            0x00AB: '"',
            0x00BB: '"',
            0x00A0: " ",
            0x202F: " ",
            0x2009: " ",
            0x2007: " ",
            0x3000: " ",
            0xFF05: "%",
            0x066A: "%",
            0xFE6A: "%",
            0x2010: "-",
            0x2011: "-",
            0x2012: "-",
            0x2013: "-",
            0x2014: "-",
            0x2026: "...",
        }
    )
    # hyphens between words are spaces ("two-thirds", "one-in-16"); a leading minus is not
    t = re.sub(r"(?<=[a-z])-+\s*", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"^[\s\"'(\[{•*]+", "", t)
    t = re.sub(r"[\s\"')\]}.,;:!?…]+$", "", t)
    t = re.sub(r"\bout of\b", "in", t)
    return t


def _take_qualifier(t: str) -> tuple[str, str, str]:
    """Split off leading qualifiers: (kind, phrase, rest). Emphasis stacks ("only just over")."""
    kind, phrases = BARE, []
    while True:
        for phrase in _QUALIFIER_ORDER:
            if not t.startswith(phrase):
                continue
            rest = t[len(phrase) :]
            if phrase[-1].isalpha() and rest and not rest.startswith(" "):
                continue  # "overall", "someone": not a qualifier
            if not rest.strip():
                continue  # a qualifier needs a value after it
            phrases.append(phrase)
            if QUALIFIERS[phrase] != BARE:
                kind = QUALIFIERS[phrase]
            t = rest.strip()
            break
        else:
            return kind, " ".join(phrases), t
        if kind != BARE:
            return kind, " ".join(phrases), t


def _is_approximate(phrase: str) -> bool:
    return any(f" {a} " in f" {phrase} " for a in _APPROXIMATE)


def _number_words(words: str) -> int | None:
    """ "sixteen" -> 16, "twenty five" -> 25, "a hundred" -> 100; None if not a number."""
    parts = [w for w in words.split(" ") if w and w != "and"]
    if not parts:
        return None
    if len(parts) == 2 and parts[0] in ("a", "one") and parts[1] in _SCALES:
        return _SCALES[parts[1]]
    if len(parts) == 1:
        w = parts[0]
        for table in (_UNITS, _TEENS, _TENS):
            if w in table:
                return table[w]
        return None
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS and _UNITS[parts[1]] > 0:
        return _TENS[parts[0]] + _UNITS[parts[1]]
    return None


def _count(token: str) -> int | None:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", token):
        return int(token.replace(",", ""))
    return _number_words(token)


# A value reader takes the value part of a claim and returns (V, lo, hi, form, decimals), or None
# when the text is not of its form; it raises ClaimError when it is, but wrongly.
_Read = tuple[Fraction, Fraction, Fraction, str, int]


def _percentage(body: str, text: str, limit: bool = True) -> _Read | None:
    m = _PERCENT_RE.fullmatch(body)
    if m:
        num = m.group("num")
        decimals = len(num.split(".")[1]) if "." in num else 0
    else:
        m = _WORD_PERCENT_RE.fullmatch(body)
        number = _number_words(m.group("words")) if m else None
        if number is None:
            return None
        num, decimals = str(number), 0
    value = Fraction(num) / 100
    if limit and value > 1:
        raise _fail(text, f"{num}% is more than 100%, so it is not a proportion of a group")
    h = Fraction(1, 2 * 10**decimals) / 100
    return value, value - h, value + h, "percent", decimals


def _k_in_m(body: str, text: str) -> _Read | None:
    m = _K_IN_M_RE.fullmatch(body)
    if not m:
        return None
    k = _count(m.group("k"))
    if k is None:
        raise _fail(text, f"'{m.group('k')}' is not a whole number (write 1 or one)")
    # M is the longest run of words that reads as a number; plain words after it ("people")
    # are ignored, but not words a claim is made of ("sixteen hundred" is not 16, and
    # "one in 16 nearly" is not a claim).
    words = m.group("m").split(" ")
    for size in range(min(3, len(words)), 0, -1):
        n = _count(" ".join(words[:size]))
        tail = words[size:]
        if n is not None and all(w.isalpha() and w not in _CLAIM_WORDS for w in tail):
            break
    else:
        raise _fail(text, f"'{m.group('m')}' is not a whole number (write 16 or sixteen)")
    if n < 1 or k < 1:
        raise _fail(text, "'K in M' needs whole numbers of at least 1")
    if k > n:
        raise _fail(text, f"{k} in {n} is more than all of them")
    # M is the stated, rounded whole number: the rates r with K/r rounding to M
    return Fraction(k, n), Fraction(2 * k, 2 * n + 1), Fraction(2 * k, 2 * n - 1), "k_in_m", 0


def _named_fraction(body: str, text: str) -> _Read | None:
    m = _NAMED_RE.fullmatch(body)
    if not m or m.group("word") not in _ORDINALS:
        return None
    word, k_word = m.group("word"), m.group("k")
    den = _ORDINALS[word]
    if k_word is None:
        if word != "half":
            raise _fail(text, f"say how many: 'a {word}' or 'one {word}'")
        k = 1
    elif k_word in ("a", "an"):
        k = 1
    else:
        known = _UNITS.get(k_word)
        if known is None or known < 1:
            raise _fail(text, f"'{k_word} {word}' is not a fraction we know")
        k = known
    if k >= den:
        raise _fail(text, f"'{k_word} {word}' is not less than the whole")
    # the exact fraction as V, half a percentage point either side (PRODUCT.md)
    value = Fraction(k, den)
    return value, value - _HALF_POINT, value + _HALF_POINT, "named", 0


def _count_value(body: str, approximate: bool) -> _Read | None:
    m = _INT_RE.fullmatch(body)
    if m:
        n = int(m.group("num").replace(",", ""))
        scale = {"k": 1000, "m": 1_000_000, "bn": 10**9, " thousand": 1000, " million": 1_000_000}.get(
            m.group("scale") or "", 1
        )
        n *= scale
    else:
        words = _number_words(body)
        if words is None:
            return None
        n = words
    value = Fraction(n)
    h = _HALF
    if approximate and n > 0:
        zeros = len(str(n)) - len(str(n).rstrip("0"))
        h = Fraction(10**zeros, 2)
    return value, max(_ZERO, value - h), value + h, "count", 0


def _split_tail(body: str) -> Iterable[tuple[str, str]]:
    """(value part, trailing words) candidates, longest value first: "60% did not take up" ->
    ("60%", "did not take up"). Trailing words never hold digits or claim words."""
    words = body.split(" ")
    yield body, ""
    for cut in range(len(words) - 1, 0, -1):
        tail = words[cut:]
        if any(re.search(r"\d", w) for w in tail) or tail[0] in _CLAIM_WORDS:
            continue
        yield " ".join(words[:cut]), " ".join(tail)


def _diagnose(body: str) -> str:
    """Say what, in a value we could not read, went wrong."""
    if not body or body in QUALIFIERS:
        return "there is a qualifier but no value after it"
    if re.fullmatch(r"\d+\.\d+", body):
        return f"'{body}' has no unit: write '{body}%' or '{body} per cent' (a count is a whole number)"
    if re.fullmatch(r"\d+,\d+\s*%?", body):
        return "use a point for decimals ('9.3%'), not a comma"
    if "percentage point" in body:
        return "a change in percentage points needs a direction ('up 5 percentage points')"
    if re.search(r"\d\s*(?:-|to)\s*\d", body):
        return "ranges such as '9-12%' are not claims we check; check each end separately"
    if re.fullmatch(r"-\s*\d.*", body):
        return "a proportion cannot be negative"
    return f"'{body}' is not a percentage, 'one in N', a named fraction or a count"


def _select(kind: str, value: Fraction, lo: Fraction, hi: Fraction, top: Fraction | None):
    """The part of [lo, hi] (or of [0, top]) a qualifier states: (low, high, low_open, high_open)."""
    return {
        BARE: (lo, hi, False, False),
        JUST_OVER: (value, hi, True, False),
        JUST_UNDER: (lo, value, False, True),
        OVER: (value, top, True, False),
        UNDER: (_ZERO, value, False, True),
        AT_LEAST: (value, top, False, False),
        AT_MOST: (_ZERO, value, False, False),
    }[kind]


def _negated(t: str) -> bool:
    return bool(_NEGATION_RE.search(t))


_UP = [
    "rose",
    "risen",
    "rise",
    "rises",
    "rising",
    "increased",
    "increase",
    "increases",
    "increasing",
    "up",
    "grew",
    "grown",
    "growth",
    "climbed",
    "climb",
    "jumped",
    "jump",
    "soared",
    "surged",
]
_DOWN = [
    "fell",
    "fallen",
    "fall",
    "falls",
    "falling",
    "decreased",
    "decrease",
    "decreases",
    "decreasing",
    "down",
    "dropped",
    "drop",
    "drops",
    "declined",
    "decline",
    "declines",
    "reduced",
    "reduction",
    "cut",
    "cuts",
    "shrank",
    "shrunk",
    "slumped",
]
_DIRECTION_RE = lazy(r"\b(?P<w>" + "|".join(sorted(_UP + _DOWN, key=len, reverse=True)) + r")\b")
#: Words before "up"/"down" that make it part of a verb, not a direction ("take up").
_PHRASAL = frozenset(
    [
        "take",
        "takes",
        "took",
        "taken",
        "taking",
        "sign",
        "signs",
        "signed",
        "signing",
        "follow",
        "followed",
        "turn",
        "turned",
        "set",
        "pick",
        "picked",
        "show",
        "showed",
        "shut",
        "broke",
        "broken",
        "break",
        "made",
        "make",
        "back",
        "step",
        "stepped",
        "called",
        "call",
        "came",
        "come",
        "count",
        "counted",
    ]
)
_MULTIPLES: dict[str, Fraction] = {
    "doubled": Fraction(2),
    "tripled": Fraction(3),
    "trebled": Fraction(3),
    "quadrupled": Fraction(4),
    "halved": Fraction(1, 2),
}
_MULTIPLE_RE = lazy(rf"\b(?:(?P<q>{_QUAL_RE}) )?(?:has |have |had |was |were )?(?P<w>" + "|".join(_MULTIPLES) + r")\b")
_RATIO_RE = lazy(
    rf"(?:^|\b)(?:(?P<q>{_QUAL_RE}) )?(?P<k>twice|double|thrice|half|\d+(?:\.\d+)?|[a-z]+(?: [a-z]+)??)(?: times)? "
    r"(?:as (?P<as>many|much|likely|often|high|large|big|common|frequent)"
    r"|(?P<more>more likely|less likely|more|higher|greater|larger|bigger))\b"
)
_FROM_TO_RE = lazy(r"\bfrom (?P<a>.+?) to (?P<b>.+?)(?: in .*| over .*| between .*)?$")
_COMPARED_RE = lazy(r"^(?P<a>.+?),? (?:compared (?:with|to)|against|versus|vs\.?) (?P<b>.+)$")
_POINTS_RE = lazy(r"(?P<num>\d+(?:\.\d+)?|[a-z]+) ?(?:percentage points?|percent points?|% points?|points?|pp|ppts?)\b")
_EACH_RE = lazy(r"\b(?:each|every) (?:year|month|quarter|period|time)\b|\byear on year\b|\bsuccessive\b")

# Words each pattern above cannot match without: most claims ("just over 6%") have none of them,
# and a pattern that is never tried is never compiled (a third of `xlplugin rates`' claim reading).
_EACH_WORDS = ("each ", "every ", "year on year", "successive")
_MULTIPLE_WORDS = tuple(_MULTIPLES)
_DIRECTION_WORDS = tuple(_UP + _DOWN)
_COMPARED_WORDS = ("compared ", " against ", " versus ", " vs")
_RATIO_WORDS = ("as ", "more", "less likely", "higher", "greater", "larger", "bigger")


def _mentions(t: str, words: tuple[str, ...]) -> bool:
    """Whether `t` contains one of `words`: a necessary condition of the pattern they stand for."""
    return any(w in t for w in words)


def _rate_or_count(t: str, text: str) -> Claim:
    """A part of a "from A to B" claim: a rate or a count."""
    part = parse_claim(t)
    if part.kind not in (RATE, COUNT):
        raise _fail(text, f"'{t}' is not a rate or a count")
    return part


def _signed(low, high, low_open, high_open, sign: int, clip_low: Fraction | None):
    """Magnitude interval -> signed change interval (a fall is negative), clipped at -100%."""
    if sign > 0:
        return low, high, low_open, high_open
    n_low, n_high = (-high if high is not None else None), -low
    n_low_open, n_high_open = high_open, low_open
    if n_low is None or (clip_low is not None and n_low < clip_low):
        n_low, n_low_open = clip_low, False
    return n_low, n_high, n_low_open, n_high_open


def _change_value(after: str, text: str) -> tuple[_Read, str, bool] | None:
    """The value right after a change verb: (read, qualifier kind, points?)."""
    after = re.sub(r"^(?:by|of)\s+", "", after)
    kind, phrase, rest = _take_qualifier(after) if after else (BARE, "", "")
    pm = _POINTS_RE.match(rest)
    if pm:
        num = pm.group("num")
        number = Fraction(num) if num[0].isdigit() else _number_words(num)
        if number is not None:
            decimals = len(num.split(".")[1]) if "." in num else 0
            v = Fraction(number) / 100
            h = Fraction(1, 2 * 10**decimals) / 100
            return (v, v - h, v + h, "percent", decimals), kind, True
    words = rest.split(" ")
    for cut in range(min(len(words), 3), 0, -1):
        head = " ".join(words[:cut])
        for reader in (lambda b, t: _percentage(b, t, limit=False), _named_fraction):
            try:
                found = reader(head, text)
            except ClaimError:
                found = None
            if found is not None:
                return found, kind, False
    return None


def _parse_change(t: str, text: str) -> Claim | None:
    each = _mentions(t, _EACH_WORDS) and bool(_EACH_RE.search(t))
    m = _FROM_TO_RE.search(t) if "from " in t else None
    if m and re.search(r"\d|half|third|quarter", m.group("a")) and re.search(r"\d|half|third|quarter", m.group("b")):
        a, b = _rate_or_count(m.group("a"), text), _rate_or_count(m.group("b"), text)
        if a.kind != b.kind:
            raise _fail(text, "'from A to B' needs two rates or two counts")
        return Claim(
            text, Fraction(-1), None, kind=CHANGE, form="parts", parts=(a, b), points=a.kind == RATE, each=each
        )
    m = _MULTIPLE_RE.search(t) if _mentions(t, _MULTIPLE_WORDS) else None
    if m:
        k = _MULTIPLES[m.group("w")]
        qual = QUALIFIERS.get(m.group("q") or "", BARE)
        if k < 1:  # "halved": fell by a half, the qualifier on the size of the fall
            low, high, lo_open, hi_open = _select(qual, k, k - _HALF_POINT, k + _HALF_POINT, _ONE)
            low, high, lo_open, hi_open = _signed(low, high, lo_open, hi_open, -1, Fraction(-1))
        else:  # "doubled": new/old is 2, give or take half a unit of the multiple
            low, high, lo_open, hi_open = _select(qual, k, k - _HALF, k + _HALF, None)
            low, high = low - 1, (None if high is None else high - 1)
            if qual in (UNDER, AT_MOST):
                low, lo_open = _ZERO, True  # "less than doubled" still rose
        return Claim(text, low, high, lo_open, hi_open, CHANGE, k, m.group("q") or "", "multiple", 0, each=each)
    for m in _DIRECTION_RE.finditer(t) if _mentions(t, _DIRECTION_WORDS) else ():
        word = m.group("w")
        before = t[: m.start()].strip()
        if word in ("up", "down") and before.split(" ")[-1:] and before.split(" ")[-1] in _PHRASAL:
            continue
        sign = 1 if word in _UP else -1
        found = _change_value(t[m.end() :].strip(), text)
        if found is None:  # "a 7 per cent rise": the value before the noun
            bm = re.search(
                rf"(?:(?P<q>{_QUAL_RE}) )?(?P<v>(?:\d+(?:\.\d+)?|\.\d+) ?{_PERCENT_SIGN})$",
                re.sub(r"^an? ", "", before),
            )
            if bm:
                read = _percentage(bm.group("v"), text, limit=False)
                if read is not None:
                    found = (read, QUALIFIERS.get(bm.group("q") or "", BARE), False)
        if found is None:
            if re.search(r"\d", t):
                return None  # a number elsewhere: not a change of this kind ("62% rose to ...")
            low, high, lo_open, hi_open = (_ZERO, None, True, False) if sign > 0 else (Fraction(-1), _ZERO, False, True)
            return Claim(text, low, high, lo_open, hi_open, CHANGE, None, "", "direction", 0, each=each)
        (value, lo, hi, form, decimals), qual, points = found
        if points and qual in (UNDER, AT_MOST):
            low, high, lo_open, hi_open = _ZERO, value, True, qual == UNDER
        else:
            low, high, lo_open, hi_open = _select(qual, value, lo, hi, _ONE if points or sign < 0 else None)
            if qual in (UNDER, AT_MOST):
                lo_open = True  # "rose by less than 5%" still rose
        low, high, lo_open, hi_open = _signed(low, high, lo_open, hi_open, sign, Fraction(-1))
        return Claim(
            text,
            low,
            high,
            lo_open,
            hi_open,
            CHANGE,
            value * sign,
            qual if qual != BARE else "",
            form,
            decimals,
            points=points,
            each=each,
        )
    return None


def _parse_ratio(t: str, text: str) -> Claim | None:
    m = _COMPARED_RE.match(t) if _mentions(t, _COMPARED_WORDS) else None
    if m:
        parts: tuple[Claim, Claim] | None
        try:
            parts = (parse_claim(m.group("a")), parse_claim(m.group("b")))
        except ClaimError:
            parts = None
        if parts is not None and parts[0].kind == parts[1].kind == RATE:
            a, b = parts
            return Claim(text, _ZERO, None, kind=RATIO, form="parts", parts=(a, b), of_rates=True)
    m = _RATIO_RE.search(t) if _mentions(t, _RATIO_WORDS) else None
    if not m:
        return None
    word = m.group("k")
    fixed = {"twice": Fraction(2), "double": Fraction(2), "thrice": Fraction(3), "half": Fraction(1, 2)}
    if word in fixed:
        k, decimals = fixed[word], 0
    elif word[0].isdigit():
        k, decimals = Fraction(word), (len(word.split(".")[1]) if "." in word else 0)
    else:
        n = _number_words(word)
        if n is None:
            return None
        k, decimals = Fraction(n), 0
    if k <= 0:
        raise _fail(text, "a multiple must be more than 0")
    h = _HALF_POINT if k < 1 else Fraction(1, 2 * 10**decimals)
    qual = QUALIFIERS.get(m.group("q") or "", BARE)
    low, high, lo_open, hi_open = _select(qual, k, k - h, k + h, None)
    of_rates = (m.group("as") in ("likely", "often", "common", "frequent")) or "likely" in (m.group("more") or "")
    return Claim(
        text, low, high, lo_open, hi_open, RATIO, k, m.group("q") or "", "multiple", decimals, of_rates=of_rates
    )


def parse_claim(text: str | Claim) -> Claim:
    """Read claim text ("just 6%", "one in 16", "over two thirds", "62 individuals", "rose by
    48.5%", "twice as many") as its kind and the exact interval it states. Raises ClaimError (a
    ValueError) for anything else."""
    if isinstance(text, Claim):
        return text
    if not isinstance(text, str):
        raise ClaimError(
            f"a claim must be text such as '9%', not {type(text).__name__} {text!r} "
            "(a number has no stated precision: write the claim as it was published)"
        )
    if len(text) > MAX_CLAIM_LENGTH:
        raise _fail(text, f"it is longer than {MAX_CLAIM_LENGTH} characters")
    t = _normalise(text)
    if not t:
        raise _fail(text, "it is empty")
    for kind_reader in (_parse_change, _parse_ratio):
        found = kind_reader(t, text)
        if found is not None:
            return found
    kind, phrase, rest = _take_qualifier(t)
    negated = _negated(rest)
    body = _OF_TAIL_RE.sub("", rest).strip()
    for value_part, noun in _split_tail(body):
        for read_rate in (_percentage, _k_in_m, _named_fraction):
            read = read_rate(value_part, text)
            if read is not None:
                return _rate_claim(text, kind, phrase, body, read, negated)
        counted = _count_value(value_part, _is_approximate(phrase))
        if counted is not None:
            value, lo, hi, form, _ = counted
            low, high, lo_open, hi_open = _select(kind, value, lo, hi, None)
            return Claim(text, low, high, lo_open, hi_open, COUNT, value, phrase, form, 0, noun=noun)
    raise _fail(text, _diagnose(body))


def _rate_claim(text: str, kind: str, phrase: str, body: str, read: _Read, negated: bool) -> Claim:
    value, lo, hi, form, decimals = read
    low, high, low_open, high_open = _select(kind, value, lo, hi, _ONE)
    assert high is not None
    if low < 0:
        low, low_open = _ZERO, False
    if high > 1:
        high, high_open = _ONE, False
    if low > high or (low == high and (low_open or high_open)):
        said = f"'{phrase} {body}'" if phrase else f"'{body}'"
        raise _fail(text, f"no proportion between 0% and 100% is {said}")
    return Claim(text, low, high, low_open, high_open, RATE, value, phrase, form, decimals, negated)


# --------------------------------------------------------------------------------------------
# Checking: definitions, their value intervals, and the verdict

NOT_STATED = "not stated"

Bounds = tuple[int, int | None]  # a count's integer interval; None: no upper bound ([x])
_SEARCH_LIMIT = 20_000  # denominators searched one by one; wider ranges are taken as continuous


class ClaimMatch(Record):
    """One definition that gives a claim: numerator stage(s) over a denominator stage (a rate, or
    its complement), a stage (a count), or one of these in two programmes (a change or ratio).

    `subset` is True only when every numerator stage is nested in the denominator and the units
    agree: only then is the value a proportion of the denominator's people. `value` is the value
    at the published counts (None when a count is only a range, as `<5`); `value_low`/`value_high`
    bound it over every count the figures allow (`value_high` None: unbounded); `certain` says
    the claim holds for all of them."""

    programme: str | None
    numerator: tuple[str, ...]
    denominator: str | None
    value: Fraction | None
    subset: bool
    mixed_units: bool
    complement: bool = False
    value_low: Fraction | None = None
    value_high: Fraction | None = None
    certain: bool = True
    from_programme: str | None = None
    to_programme: str | None = None
    stage: str | None = None

    def __post_init__(self) -> None:
        if self.value_low is None and self.value is not None:
            object.__setattr__(self, "value_low", self.value)
            object.__setattr__(self, "value_high", self.value)

    @property
    def valid(self) -> bool:
        """A proportion of its denominator, in the same units."""
        return self.subset and not self.mixed_units

    @property
    def label(self) -> str:
        """E.g. "(Interested + Contacted) / Visited", "1 − Arrests / Searches", "Visited"."""
        num = " + ".join(self.numerator)
        if self.denominator is None:
            return num
        if len(self.numerator) > 1:
            num = f"({num})"
        text = f"{num} / {self.denominator}"
        return f"1 − {text}" if self.complement else text

    @property
    def words(self) -> str:
        """The complement in words: "searches without arrests"; else the label."""
        if self.complement and self.denominator:
            return f"{_lower_first(self.denominator)} without {_lower_first(self.numerator[0])}"
        return self.label


class Nearest(NamedTuple):
    """A valid definition that does not give the claim, and what it would have been published as."""

    programme: str | None
    numerator: tuple[str, ...]
    denominator: str | None
    value: Fraction
    reads_as: str
    complement: bool = False
    from_programme: str | None = None
    to_programme: str | None = None


class Verdict(NamedTuple):
    """One of `VERDICTS` for a claim, with the definitions behind it."""

    claim: Claim
    verdict: str
    matches: tuple[ClaimMatch, ...] = ()
    nearest: tuple[Nearest, ...] = ()
    programme: str | None = None  # the programme the claim was pinned to, if any
    holds_in: tuple[str | None, ...] = ()  # programmes whose definitions earn the verdict
    reason: str = ""  # why not checkable


def _lower_first(name: str) -> str:
    return name[0].lower() + name[1:] if name[:1].isupper() and not name[1:2].isupper() else name


def _whole(value, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"the {name} must be a whole number, not TRUE/FALSE")
    exact = _to_fraction(value) if isinstance(value, (Integral, Rational, float, Decimal)) else None
    if exact is None or exact.denominator != 1:
        raise ValueError(f"the {name} must be a whole number, not {value!r}")
    n = int(exact)
    if n < 0:
        raise ValueError(f"the {name} cannot be negative ({n})")
    return n


def _rate_claim_of(claim: str | Claim) -> Claim:
    parsed = parse_claim(claim)
    if parsed.kind != RATE:
        raise ClaimError(f"'{parsed.text}' is a {parsed.kind}, not a rate: it cannot be checked against one pair")
    return parsed


def claim_matches(claim: str | Claim, numerator: int, denominator: int) -> bool:
    """Does numerator/denominator, exactly, reproduce the rate claim at its stated precision?

    A zero denominator raises ZeroDivisionError; a negative or fractional count ValueError;
    unreadable claim text (or a claim that is not a rate) ClaimError."""
    interval = _rate_claim_of(claim)
    num = _whole(numerator, "numerator")
    den = _whole(denominator, "denominator")
    if den == 0:
        raise ZeroDivisionError("the denominator is 0: no rate can be worked out")
    value = Fraction(num, den)
    return interval.contains(1 - value) if interval.negated else interval.contains(value)


def claim_holds(claim: str | Claim, numerator: Count, denominator: Count) -> str:
    """The verdict of one pair of published counts (a subset of their denominator): reproduced
    when every count they allow gives the claim, possible when some do, else not_reproduced."""
    interval = _rate_claim_of(claim)
    a, b = (numerator.low, numerator.high), (denominator.low, denominator.high)
    found = _rate_definition(interval, a, b, capped=True, complement=interval.negated)
    if found is None:
        return NOT_REPRODUCED
    return REPRODUCED if found[2] else POSSIBLE


def count_bounds(programme: Programme) -> dict[str, Bounds]:
    """Each stage's count interval, tightened by nesting: a stage (same unit) is at most its
    base, and a base at least each of its stages (a child of 3 under a `[c]` parent: 3–4)."""
    bounds: dict[str, Bounds] = {
        s.name: (s.count.low, s.count.high) for s in programme.stages if s.count.kind != "invalid"
    }
    nested = [
        (s.name, s.base)
        for s in programme.stages
        if s.base is not None
        and not s.outside
        and s.name in bounds
        and s.base in bounds
        and programme.same_unit(s.name, s.base)
    ]
    for _ in range(len(nested) + 1):
        changed = False
        for child, parent in nested:
            lo, hi = bounds[child]
            p_lo, p_hi = bounds[parent]
            if lo > p_lo:
                p_lo, changed = lo, True
            if p_hi is not None and (hi is None or hi > p_hi):
                hi, changed = p_hi, True
            bounds[child], bounds[parent] = (lo, hi), (p_lo, p_hi)
        if not changed:
            break
    return bounds


def _nominal(count: Count) -> int | None:
    """The count as published: exact, or the rounded figure; None for a suppressed range."""
    if count.kind == "exact":
        return count.low
    if count.kind == "rounded":
        digits = re.sub(r"[^\d]", "", count.text.split(".")[0])
        return int(digits) if digits else None
    return None


def _overlaps(claim: Claim, low: Fraction, high: Fraction | None) -> bool:
    """Does the closed interval [low, high] meet the claim's interval?"""
    if claim.high is not None and (low > claim.high or (low == claim.high and claim.high_open)):
        return False
    return not (high is not None and (high < claim.low or high == claim.low and claim.low_open))


def _within(claim: Claim, low: Fraction, high: Fraction | None) -> bool:
    return high is not None and claim.contains(low) and claim.contains(high)


def _mirror(claim: Claim) -> Claim:
    """The claim about 1 − x: x is in it when 1 − x is in `claim` (a complement's values)."""
    assert claim.high is not None
    return Claim(claim.text, 1 - claim.high, 1 - claim.low, claim.high_open, claim.low_open, claim.kind)


def _shift(claim: Claim, by: Fraction) -> Claim:
    high = None if claim.high is None else claim.high + by
    return Claim(claim.text, claim.low + by, high, claim.low_open, claim.high_open, claim.kind)


def _quotient_range(a: Bounds, b: Bounds, capped: bool) -> tuple[Fraction, Fraction | None] | None:
    """The values a/b over the counts allowed (a ≤ b when `capped`); None if b must be 0."""
    a_lo, a_hi = a
    b_lo, b_hi = max(b[0], 1, a_lo if capped else 1), b[1]
    if b_hi is not None and b_hi < b_lo:
        return None
    low = Fraction(a_lo, b_hi) if b_hi is not None else _ZERO
    if capped:
        high: Fraction | None = _ONE if a_hi is None or a_hi >= b_lo else Fraction(a_hi, b_lo)
    else:
        high = None if a_hi is None else Fraction(a_hi, b_lo)
    return low, high


def _some_quotient_in(claim: Claim, a: Bounds, b: Bounds, capped: bool) -> bool:
    """Is there a count a in A and b in B (a ≤ b when capped) with a/b in the claim? Exact
    search over b up to `_SEARCH_LIMIT` values, else the continuous overlap."""
    rng = _quotient_range(a, b, capped)
    if rng is None or not _overlaps(claim, *rng):
        return False
    a_lo, a_hi = a
    b_lo, b_hi = max(b[0], 1, a_lo if capped else 1), b[1]
    if b_hi is None or a_hi is None or b_hi - b_lo > _SEARCH_LIMIT:
        return True
    for d in range(b_lo, b_hi + 1):
        lo = claim.low * d
        a_min = math.ceil(lo) + (1 if claim.low_open and lo.denominator == 1 else 0)
        a_max = a_hi if not capped else min(a_hi, d)
        if claim.high is not None:
            hi = claim.high * d
            a_max = min(a_max, math.floor(hi) - (1 if claim.high_open and hi.denominator == 1 else 0))
        if max(a_min, a_lo) <= a_max:
            return True
    return False


def _rate_definition(claim: Claim, a: Bounds, b: Bounds, capped: bool, complement: bool):
    """(low, high, certain) of a definition's values when some count allowed gives the claim."""
    target = _mirror(claim) if complement else claim
    rng = _quotient_range(a, b, capped)
    if rng is None:
        return None
    low, high = rng
    if a[0] == a[1] and b[0] == b[1]:
        if not target.contains(low):
            return None
        certain = True
    else:
        if not _some_quotient_in(target, a, b, capped):
            return None
        certain = _within(target, low, high)
    if complement:
        assert high is not None
        low, high = 1 - high, 1 - low
    return low, high, certain


def _select_programmes(progs: Sequence[Programme], name: str | None) -> list[Programme]:
    if name is None:
        return list(progs)
    for p in progs:
        if p.name == name:
            return [p]
    known = ", ".join(f"'{p.name}'" for p in progs if p.name) or "none (the figures have one, unnamed)"
    raise ClaimError(f"there is no programme '{name}' in the figures; programmes are {known}")


def _programmes(funnel_or_programmes) -> list[Programme]:
    if isinstance(funnel_or_programmes, Funnel):
        from xlplugin.core.periods import period_programmes

        # periods in time order, so "the previous year" is the one `core.changes` compares with
        return period_programmes(funnel_or_programmes) or list(funnel_or_programmes.programmes)
    if isinstance(funnel_or_programmes, Programme):
        return [funnel_or_programmes]
    return list(funnel_or_programmes)


def _sum_bounds(parts: list[Bounds]) -> Bounds:
    highs = [h for _, h in parts]
    return sum(lo for lo, _ in parts), (
        None if any(h is None for h in highs) else sum(h for h in highs if h is not None)
    )


def _definitions(p: Programme, bounds: dict[str, Bounds]):
    """(numerator, denominator, subset, mixed) for every definition in one programme: single
    stages, and an in-funnel stage plus one outside stage of the same unit (the Met's 62 + 20),
    over every other stage."""
    usable = [s for s in p.stages if s.name in bounds]
    numerators = [(s.name,) for s in usable] + [
        (inside.name, outside.name)
        for inside in usable
        if not inside.outside
        for outside in usable
        if outside.outside and outside.unit == inside.unit
    ]
    for numerator in numerators:
        for den in usable:
            if den.name in numerator or bounds[den.name][1] == 0:
                continue
            mixed = p.stage(numerator[0]).unit != den.unit
            subset = not mixed and all(p.is_subset(n, den.name) for n in numerator)
            yield numerator, den.name, subset, mixed


def _value_at_published(p: Programme, numerator: tuple[str, ...], denominator: str) -> Fraction | None:
    nums = [_nominal(p.stage(n).count) for n in numerator]
    den = _nominal(p.stage(denominator).count)
    if any(n is None for n in nums) or not den:
        return None
    return Fraction(sum(n for n in nums if n is not None), den)


def _decide(matches: Sequence[ClaimMatch]) -> str:
    valid = [m for m in matches if m.valid]
    if any(m.certain for m in valid):
        return REPRODUCED
    if valid:
        return POSSIBLE
    return REPRODUCED_INVALID if matches else NOT_REPRODUCED


def _earns(m: ClaimMatch, verdict: str) -> bool:
    return {
        REPRODUCED: m.valid and m.certain,
        POSSIBLE: m.valid,
        REPRODUCED_INVALID: True,
    }.get(verdict, False)


def _distance(claim: Claim, value: Fraction) -> Fraction:
    if value < claim.low:
        return claim.low - value
    if claim.high is not None and value > claim.high:
        return value - claim.high
    return _ZERO


def _verdict(claim: Claim, matches: list[tuple[tuple, ClaimMatch]], near: list[tuple[tuple, Nearest]], pinned):
    matches.sort(key=lambda pair: pair[0])
    found = tuple(m for _, m in matches)
    verdict = _decide(found)
    holds: list[str | None] = []
    for m in found:
        if _earns(m, verdict) and m.programme not in holds:
            holds.append(m.programme)
    nearest: tuple[Nearest, ...] = ()
    if verdict == NOT_REPRODUCED:
        near.sort(key=lambda pair: pair[0])
        nearest = tuple(n for _, n in near[:3])
    return Verdict(claim, verdict, found, nearest, pinned, tuple(holds))


def _check_rate(claim: Claim, progs: list[Programme], all_progs: list[Programme], pinned) -> Verdict:
    matches: list[tuple[tuple, ClaimMatch]] = []
    near: list[tuple[tuple, Nearest]] = []
    order = {id(p): i for i, p in enumerate(all_progs)}
    for p in progs:
        bounds = count_bounds(p)
        position = {s.name: i for i, s in enumerate(p.stages)}
        for numerator, den, subset, mixed in _definitions(p, bounds):
            a = _sum_bounds([bounds[n] for n in numerator])
            nominal = _value_at_published(p, numerator, den)
            for complement in (False, True) if subset else (False,):
                if claim.negated and not complement:
                    continue
                key = (len(numerator), complement, order[id(p)], tuple(position[n] for n in numerator), position[den])
                found = _rate_definition(claim, a, bounds[den], capped=subset, complement=complement)
                value = None if nominal is None else (1 - nominal if complement else nominal)
                if found is not None:
                    low, high, certain = found
                    matches.append(
                        (key, ClaimMatch(p.name, numerator, den, value, subset, mixed, complement, low, high, certain))
                    )
                elif subset and value is not None and value <= 1:
                    near.append(
                        (
                            (_distance(claim, value), *key),
                            Nearest(p.name, numerator, den, value, claim.reads_as(value), complement),
                        )
                    )
    return _verdict(claim, matches, near, pinned)


def _noun_in_figures(noun: str, progs: list[Programme]) -> bool:
    words = [w.rstrip("s") for w in re.findall(r"[a-z]{4,}", noun)]
    if not words or any(w + "s" in _PERSON_WORDS or w in _PERSON_WORDS for w in words):
        return True
    names = " ".join(f"{s.name} {s.unit}" for p in progs for s in p.stages).lower()
    return any(w in names for w in words)


def _check_count(claim: Claim, progs: list[Programme], all_progs: list[Programme], pinned) -> Verdict:
    matches: list[tuple[tuple, ClaimMatch]] = []
    near: list[tuple[tuple, Nearest]] = []
    order = {id(p): i for i, p in enumerate(all_progs)}
    people = any(w in _PERSON_WORDS for w in claim.noun.split())
    for p in progs:
        bounds = count_bounds(p)
        for i, s in enumerate(p.stages):
            if s.name not in bounds:
                continue
            lo, hi = bounds[s.name]
            nominal = _nominal(s.count)
            value = None if nominal is None else Fraction(nominal)
            key = (order[id(p)], i)
            mixed = (
                people
                and s.unit not in (NOT_STATED, "")
                and not any(w.rstrip("s") in {x.rstrip("s") for x in _PERSON_WORDS} for w in s.unit.lower().split())
            )
            if _some_count_in(claim, lo, hi):
                certain = _within(claim, Fraction(lo), None if hi is None else Fraction(hi))
                matches.append(
                    (
                        key,
                        ClaimMatch(
                            p.name,
                            (s.name,),
                            None,
                            value,
                            True,
                            mixed,
                            False,
                            Fraction(lo),
                            None if hi is None else Fraction(hi),
                            certain,
                            stage=s.name,
                        ),
                    )
                )
            elif value is not None:
                near.append(
                    ((_distance(claim, value), *key), Nearest(p.name, (s.name,), None, value, claim.reads_as(value)))
                )
    if claim.noun and not _noun_in_figures(claim.noun, progs):
        return Verdict(
            claim,
            NOT_CHECKABLE,
            programme=pinned,
            reason=f"the figures have no stage counting {claim.noun}",
        )
    return _verdict(claim, matches, near, pinned)


def _some_count_in(claim: Claim, lo: int, hi: int | None) -> bool:
    n_min = math.ceil(claim.low) + (1 if claim.low_open and claim.low.denominator == 1 else 0)
    n_max = None
    if claim.high is not None:
        n_max = math.floor(claim.high) - (1 if claim.high_open and claim.high.denominator == 1 else 0)
    low = max(n_min, lo)
    high = hi if n_max is None else (n_max if hi is None else min(hi, n_max))
    return high is None or low <= high


def _pairs(claim: Claim, progs: list[Programme], pinned, from_p, to_p) -> list[tuple[Programme, Programme]] | str:
    """The (from, to) programme pairs a change claim is about, or why there are none."""
    if len(progs) < 2:
        return "a change needs two programmes or periods, and these figures have one"
    names = [p.name for p in progs]
    to_name = to_p or pinned
    to_index = _select_index(progs, to_name) if to_name is not None else len(progs) - 1
    if from_p is not None:
        from_index = _select_index(progs, from_p)
    elif claim.each:
        from_index = 0
    else:
        from_index = to_index - 1
    if from_index < 0:
        return f"'{names[to_index]}' is the first programme or period: there is none before it to compare with"
    if from_index == to_index:
        return "a change needs two different programmes or periods"
    if claim.each:
        lo, hi = sorted((from_index, to_index))
        return [(progs[i], progs[i + 1]) for i in range(lo, hi)]
    return [(progs[from_index], progs[to_index])]


def _select_index(progs: list[Programme], name: str) -> int:
    chosen = _select_programmes(progs, name)[0]
    return next(i for i, p in enumerate(progs) if p is chosen)


def _relative(low_a: Fraction, high_a: Fraction | None, low_b: Fraction, high_b: Fraction | None):
    """The range of b/a − 1 for a in [low_a, high_a], b in [low_b, high_b] (a > 0)."""
    low = Fraction(-1) if high_a is None else low_b / high_a - 1
    high = None if high_b is None or low_a == 0 else high_b / low_a - 1
    return low, high


def _rate_range(p: Programme, bounds, numerator, den) -> tuple[Fraction, Fraction | None] | None:
    return _quotient_range(_sum_bounds([bounds[n] for n in numerator]), bounds[den], capped=True)


def _exact(p: Programme, names: Iterable[str]) -> bool:
    return all(p.stage(n).count.is_exact for n in names)


def _check_change(claim: Claim, all_progs: list[Programme], pinned, from_p, to_p) -> Verdict:
    pairs = _pairs(claim, all_progs, pinned, from_p, to_p)
    if isinstance(pairs, str):
        return Verdict(claim, NOT_CHECKABLE, programme=pinned, reason=pairs)
    per_key: dict[tuple[object, ...], list[ClaimMatch]] = {}
    near: list[tuple[tuple, Nearest]] = []
    for a_p, b_p in pairs:
        a_bounds, b_bounds = count_bounds(a_p), count_bounds(b_p)
        b_position = {s.name: i for i, s in enumerate(b_p.stages)}
        shared = [s.name for s in b_p.stages if s.name in a_bounds and s.name in b_bounds and a_p.has_stage(s.name)]
        # counts of one stage
        if not claim.points:
            for name in shared:
                if a_p.stage(name).unit != b_p.stage(name).unit:
                    continue
                found = _count_change(claim, a_bounds[name], b_bounds[name])
                na, nb = _nominal(a_p.stage(name).count), _nominal(b_p.stage(name).count)
                value = Fraction(nb, na) - 1 if na and nb is not None and not claim.parts else None
                key: tuple = (0, b_position[name])
                if found is not None:
                    low, high, certain = found
                    per_key.setdefault(key, []).append(
                        ClaimMatch(
                            b_p.name,
                            (name,),
                            None,
                            value,
                            True,
                            False,
                            False,
                            low,
                            high,
                            certain,
                            a_p.name,
                            b_p.name,
                            name,
                        )
                    )
                elif value is not None:
                    near.append(
                        (
                            (_distance(claim, value), *key),
                            Nearest(b_p.name, (name,), None, value, claim.reads_as(value), False, a_p.name, b_p.name),
                        )
                    )
        # rates of one valid definition
        if claim.parts and claim.parts[0].kind == COUNT:
            continue
        for numerator, den, subset, _mixed in _definitions(b_p, b_bounds):
            if not subset or len(numerator) > 1 or not all(a_p.has_stage(n) for n in (*numerator, den)):
                continue
            if not all(n in a_bounds for n in (*numerator, den)) or not all(
                a_p.is_subset(n, den) and a_p.same_unit(n, den) for n in numerator
            ):
                continue
            key = (1, tuple(b_position[n] for n in numerator), b_position[den])
            found, value = _rate_change(claim, a_p, b_p, a_bounds, b_bounds, numerator, den)
            if found is not None:
                low, high, certain = found
                per_key.setdefault(key, []).append(
                    ClaimMatch(
                        b_p.name, numerator, den, value, True, False, False, low, high, certain, a_p.name, b_p.name
                    )
                )
            elif value is not None:
                near.append(
                    (
                        (_distance(claim, value), *key),
                        Nearest(b_p.name, numerator, den, value, claim.reads_as(value), False, a_p.name, b_p.name),
                    )
                )
    matches: list[tuple[tuple, ClaimMatch]] = []
    for key, found in per_key.items():
        if len(found) < len(pairs):
            continue  # "each year": every consecutive pair must change so
        last = found[-1]
        if len(found) > 1:
            lows = [m.value_low for m in found if m.value_low is not None]
            highs = [m.value_high for m in found]
            last = ClaimMatch(
                last.programme,
                last.numerator,
                last.denominator,
                last.value,
                True,
                False,
                False,
                min(lows) if lows else None,
                None if any(h is None for h in highs) else max(h for h in highs if h is not None),
                all(m.certain for m in found),
                found[0].from_programme,
                last.to_programme,
                last.stage,
            )
        matches.append((key, last))
    return _verdict(claim, matches, near if not claim.each else [], pinned)


def _count_change(claim: Claim, a: Bounds, b: Bounds):
    if claim.parts:
        first, second = claim.parts
        if not (_some_count_in(first, *a) and _some_count_in(second, *b)):
            return None
        certain = _within(first, Fraction(a[0]), _frac(a[1])) and _within(second, Fraction(b[0]), _frac(b[1]))
        return Fraction(a[0]), _frac(b[1]), certain
    if a[1] is not None and a[1] == 0:
        return None  # from nothing: no relative change
    low, high = _relative(Fraction(max(a[0], 1)), _frac(a[1]), Fraction(b[0]), _frac(b[1]))
    if a == (a[0], a[0]) and b == (b[0], b[0]):
        return (low, high, True) if claim.contains(low) else None
    if not _some_quotient_in(_shift(claim, _ONE), b, (max(a[0], 1), a[1]), capped=False):
        return None
    return low, high, _within(claim, low, high)


def _frac(n: int | None) -> Fraction | None:
    return None if n is None else Fraction(n)


def _rate_change(claim: Claim, a_p, b_p, a_bounds, b_bounds, numerator, den):
    ra = _rate_range(a_p, a_bounds, numerator, den)
    rb = _rate_range(b_p, b_bounds, numerator, den)
    if ra is None or rb is None:
        return None, None
    va, vb = _value_at_published(a_p, numerator, den), _value_at_published(b_p, numerator, den)
    exact = _exact(a_p, (*numerator, den)) and _exact(b_p, (*numerator, den))
    if claim.parts:
        first, second = claim.parts
        fa = _rate_definition(first, _sum_bounds([a_bounds[n] for n in numerator]), a_bounds[den], True, first.negated)
        fb = _rate_definition(
            second, _sum_bounds([b_bounds[n] for n in numerator]), b_bounds[den], True, second.negated
        )
        value = None if va is None or vb is None else vb - va
        if fa is None or fb is None:
            return None, value
        return (rb[0] - (ra[1] or _ONE), (rb[1] or _ONE) - ra[0], fa[2] and fb[2]), value
    if claim.points:
        low, high = rb[0] - (ra[1] if ra[1] is not None else _ONE), (rb[1] if rb[1] is not None else _ONE) - ra[0]
        value = None if va is None or vb is None else vb - va
    else:
        if ra[1] == 0:
            return None, None
        low, high = _relative(ra[0], ra[1], rb[0], rb[1])
        value = None if va is None or vb is None or va == 0 else vb / va - 1
    if exact:
        return ((low, high, True) if claim.contains(low) else None), value
    if not _overlaps(claim, low, high):
        return None, value
    return (low, high, _within(claim, low, high)), value


def _check_ratio(claim: Claim, all_progs: list[Programme], pinned, from_p, to_p) -> Verdict:
    matches: list[tuple[tuple, ClaimMatch]] = []
    progs = _select_programmes(all_progs, pinned) if pinned is not None and not claim.of_rates else all_progs
    if claim.of_rates or claim.parts:
        if len(all_progs) < 2:
            return Verdict(
                claim,
                NOT_CHECKABLE,
                programme=pinned,
                reason="a ratio of rates needs two programmes or groups, and these figures have one",
            )
        for i, p in enumerate(all_progs):
            for j, q in enumerate(all_progs):
                if i == j or (pinned is not None and p.name != pinned) or (from_p is not None and q.name != from_p):
                    continue
                pb, qb = count_bounds(p), count_bounds(q)
                position = {s.name: k for k, s in enumerate(p.stages)}
                for numerator, den, subset, _mixed in _definitions(p, pb):
                    if (
                        not subset
                        or len(numerator) > 1
                        or not all(q.has_stage(n) and n in qb for n in (*numerator, den))
                    ):
                        continue
                    if not all(q.is_subset(n, den) and q.same_unit(n, den) for n in numerator):
                        continue
                    key = (i, j, tuple(position[n] for n in numerator), position[den])
                    found = _rate_ratio(claim, pb, qb, numerator, den)
                    if found is None:
                        continue
                    low, high, certain = found
                    vp, vq = _value_at_published(p, numerator, den), _value_at_published(q, numerator, den)
                    value = None if vp is None or not vq else vp / vq
                    if claim.parts:
                        value = None
                    matches.append(
                        (
                            key,
                            ClaimMatch(
                                p.name, numerator, den, value, True, False, False, low, high, certain, q.name, p.name
                            ),
                        )
                    )
        return _verdict(claim, matches, [], pinned)
    order = {id(p): i for i, p in enumerate(all_progs)}
    for p in progs:
        bounds = count_bounds(p)
        for i, s in enumerate(p.stages):
            for j, t in enumerate(p.stages):
                if i == j or s.name not in bounds or t.name not in bounds:
                    continue
                match = _count_ratio_match(claim, p, s.name, bounds[s.name], p, t.name, bounds[t.name])
                if match is not None:
                    matches.append(((0, order[id(p)], i, j), match))
    # one stage in two programmes: "twice as many as the year before"
    for p in progs:
        p_bounds = count_bounds(p)
        for q in all_progs:
            if q is p or (from_p is not None and q.name != from_p):
                continue
            q_bounds = count_bounds(q)
            for i, s in enumerate(p.stages):
                if s.name in p_bounds and s.name in q_bounds and q.has_stage(s.name):
                    match = _count_ratio_match(claim, p, s.name, p_bounds[s.name], q, s.name, q_bounds[s.name])
                    if match is not None:
                        matches.append(((1, order[id(p)], order[id(q)], i), match))
    return _verdict(claim, matches, [], pinned)


def _count_ratio_match(claim: Claim, p: Programme, a_name: str, a: Bounds, q: Programme, b_name: str, b: Bounds):
    """A match when the count of `a_name` in p over `b_name` in q can be the claimed multiple."""
    found = _count_ratio(claim, a, b)
    if found is None:
        return None
    low, high, certain = found
    na, nb = _nominal(p.stage(a_name).count), _nominal(q.stage(b_name).count)
    value = None if na is None or not nb else Fraction(na, nb)
    mixed = p.stage(a_name).unit != q.stage(b_name).unit
    across = (q.name, p.name) if q is not p else (None, None)
    return ClaimMatch(p.name, (a_name,), b_name, value, not mixed, mixed, False, low, high, certain, *across)


def _count_ratio(claim: Claim, a: Bounds, b: Bounds):
    rng = _quotient_range(a, b, capped=False)
    if rng is None:
        return None
    if a[0] == a[1] and b[0] == b[1]:
        return (rng[0], rng[1], True) if claim.contains(rng[0]) else None
    if not _some_quotient_in(claim, a, b, capped=False):
        return None
    return rng[0], rng[1], _within(claim, *rng)


def _rate_ratio(claim: Claim, pb, qb, numerator, den):
    rp = _quotient_range(_sum_bounds([pb[n] for n in numerator]), pb[den], True)
    rq = _quotient_range(_sum_bounds([qb[n] for n in numerator]), qb[den], True)
    if rp is None or rq is None:
        return None
    if claim.parts:
        first, second = claim.parts
        fp = _rate_definition(first, _sum_bounds([pb[n] for n in numerator]), pb[den], True, first.negated)
        fq = _rate_definition(second, _sum_bounds([qb[n] for n in numerator]), qb[den], True, second.negated)
        if fp is None or fq is None:
            return None
        return (fp[0], fp[1], fp[2] and fq[2])
    if rq[1] is None or rq[0] == 0 and rq[1] == 0:
        return None
    low = rp[0] / rq[1] if rq[1] else _ZERO
    high = None if rp[1] is None or rq[0] == 0 else rp[1] / rq[0]
    if low == high or (rp[0] == rp[1] and rq[0] == rq[1]):
        return (low, high, True) if claim.contains(low) else None
    if not _overlaps(claim, low, high):
        return None
    return low, high, _within(claim, low, high)


def check_claim(
    claim: str | Claim,
    funnel_or_programmes: Funnel | Programme | Sequence[Programme],
    programme: str | None = None,
    *,
    from_programme: str | None = None,
    to_programme: str | None = None,
) -> Verdict:
    """The verdict on a claim against the figures: which definitions give it, for every count the
    published figures allow or only some, and which come nearest when none does.

    `programme` pins a rate or count claim to one programme (or period); for a change it is the
    period changed *to* (from the one before it), unless `from_programme`/`to_programme` say."""
    parsed = parse_claim(claim)
    progs = _programmes(funnel_or_programmes)
    if parsed.kind == RATE:
        return _check_rate(parsed, _select_programmes(progs, programme), progs, programme)
    if parsed.kind == COUNT:
        return _check_count(parsed, _select_programmes(progs, programme), progs, programme)
    if parsed.kind == CHANGE:
        return _check_change(parsed, progs, programme, from_programme, to_programme)
    return _check_ratio(parsed, progs, programme, from_programme, to_programme)


def explain_claim(claim: str | Claim, funnel: Funnel) -> list[ClaimMatch]:
    """Every definition that gives the claim, simplest first (single stages before sums, a rate
    before its complement, then programme, numerator and denominator order)."""
    return list(check_claim(claim, funnel).matches)


# --------------------------------------------------------------------------------------------
# The verdict in words


def _fmt(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _count_words(p: Programme, name: str) -> str:
    count = p.stage(name).count
    nominal = _nominal(count)
    return count.text or _fmt(nominal) if nominal is None else f"{nominal:,}"


def _programme_named(progs: list[Programme], name: str | None) -> Programme:
    return next((q for q in progs if q.name == name), progs[0])


def _why_invalid(claim: Claim, m: ClaimMatch, progs: list[Programme]) -> str:
    p = _programme_named(progs, m.programme)
    num = " + ".join(_count_words(p, n) for n in m.numerator)
    if m.denominator is None:
        return f"the {num} are {p.stage(m.numerator[0]).unit}, not {claim.noun or 'people'}"
    den = _count_words(p, m.denominator)
    if m.mixed_units:
        num_unit = p.stage(m.numerator[0]).unit
        den_unit = p.stage(m.denominator).unit
        return f"the {num} are {num_unit} and the {den} are {den_unit}"
    outside = [n for n in m.numerator if not p.is_subset(n, m.denominator)]
    parts = " + ".join(_count_words(p, n) for n in outside)
    return f"the {parts} {'is' if parts == '1' else 'are'} not known to be among the {den}"


def _nearest_label(n: Nearest, progs: list[Programme], show_where: bool) -> str:
    p = _programme_named(progs, n.programme)
    if n.from_programme is not None:
        what = " + ".join(n.numerator) + (f" of {n.denominator}" if n.denominator else "")
        return f"{what} from {n.from_programme} to {n.to_programme}"
    where = f"{n.programme}: " if show_where and len(progs) > 1 and n.programme else ""
    if n.denominator is None:
        return where + n.numerator[0]
    if n.complement:
        return where + f"{_lower_first(n.denominator)} without {_lower_first(n.numerator[0])}"
    num = " + ".join(_count_words(p, x) for x in n.numerator)
    return where + f"{num} of {_count_words(p, n.denominator)} {_lower_first(n.denominator)}"


def _percent(value: Fraction, decimals: int) -> str:
    return _decimal_text(value * 100, decimals) + "%"


def verdict_words(verdict: Verdict, funnel_or_programmes: Funnel | Programme | Sequence[Programme]) -> str:
    """The verdict as a sentence for a table cell: "Reproduced", "Reproduced only by an invalid
    definition: the 20 are not known to be among the 669", "Not reproduced: ...". Never "Yes"."""
    progs = _programmes(funnel_or_programmes)
    named = [n for n in verdict.holds_in if n]
    where = f" in {', '.join(named)}" if len(progs) > 1 and named and verdict.programme is None else ""
    earning = [m for m in verdict.matches if _earns(m, verdict.verdict) and m.from_programme is not None]
    if verdict.claim.kind in (CHANGE, RATIO) and earning:
        where = f" from {earning[0].from_programme} to {earning[0].to_programme}"
    if verdict.verdict == REPRODUCED:
        return f"Reproduced{where}"
    if verdict.verdict == POSSIBLE:
        return f"Possible{where}: reproduced by some of the counts the rounded or suppressed figures allow, not all"
    if verdict.verdict == REPRODUCED_INVALID:
        return (
            f"Reproduced only by an invalid definition{where}: {_why_invalid(verdict.claim, verdict.matches[0], progs)}"
        )
    if verdict.verdict == NOT_CHECKABLE:
        return f"Not checkable: {verdict.reason}"
    claim = verdict.claim
    if not verdict.nearest:
        return "Not reproduced: no definition in the figures gives it"
    bits = []
    for n in verdict.nearest[:2]:
        if claim.kind == COUNT:
            shown = f"{int(n.value):,}" if n.value.denominator == 1 else f"{float(n.value):,.1f}"
        elif claim.kind == CHANGE and not claim.points:
            shown = ("+" if n.value > 0 else "") + _percent(n.value, claim.decimals + 1)
        else:
            shown = _percent(n.value, claim.decimals + 1)
        bits.append(f"{_nearest_label(n, progs, verdict.programme is None)} is {shown}, which reads as {n.reads_as}")
    said = claim.reads_as(claim.value) if claim.value is not None and claim.kind in (RATE, COUNT) else claim.text
    return f"Not reproduced: nearest, {'; '.join(bits)}, not {said}"
