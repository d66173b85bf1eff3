"""Published claims ("just over 6%", "one in 16", "two thirds") as exact intervals.

A claim is true of many rates: "9%" is anything that rounds to 9%. Reading the claim as the
interval of proportions it states, at its stated precision, lets us say which definitions
(numerator over denominator) reproduce it — the heart of the Met's "6%, 9%, 12%" problem.
Arithmetic is exact (`fractions.Fraction`): a rate on an interval's edge is decided by the
definition, never by floating-point luck.

Grammar (case-insensitive; spaces, curly quotes, surrounding punctuation and a trailing
"of <anything>" are ignored)::

    claim      := [qualifier] value ["of" ...]
    value      := percentage | k-in-m | named-fraction
    percentage := NUMBER ("%" | "per cent" | "percent" | "pc" | "pct")  e.g. 9%, 9.3 %, 12pc
                | WORDS ("%" | "per cent" | "percent")                  e.g. twelve per cent
    k-in-m     := K ("in" | "out of") ["every"] M [words]              e.g. one in 16, 2 out of 5
    named-fraction := ["a" | "an" | "one" .. "nine"] (half | third | quarter | fourth | fifth ..
                      tenth)[s]                                        e.g. half, two thirds

Semantics (PRODUCT.md, "Claim semantics"). A value V has a bare interval [lo, hi]:

* percentage with d decimals: h = half a unit of the last digit; [V-h, V+h];
* "K in M": M is the stated (rounded) whole number, so [K/(M+1/2), K/(M-1/2)]; for K = 1 this is
  PRODUCT.md's [1/(N+1/2), 1/(N-1/2)];
* named fraction K/M: rounded to the nearest percentage point (halves up, as Excel's ROUND:
  an eighth, 12.5%, is 13%), then [V-0.5pt, V+0.5pt].

Qualifiers then choose a part of it (see `QUALIFIERS`): bare/about -> [lo, hi]; just over ->
(V, hi]; just under/nearly -> [lo, V); over -> (V, 100%]; under -> [0, V); at least -> [V, 100%];
at most -> [0, V]. The result is clipped to [0, 100%]; a claim that no proportion can satisfy
("over 100%", "150%") is a `ClaimError`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Rational

from xlplugin.core.funnel import Funnel, Programme

__all__ = [
    "ACCEPTED_FORMS",
    "ClaimError",
    "ClaimInterval",
    "ClaimMatch",
    "QUALIFIERS",
    "claim_matches",
    "explain_claim",
    "parse_claim",
]

ACCEPTED_FORMS = (
    'a percentage ("9%", "9.3%", "12 per cent", "12pc"), "one in 16", "2 in 5", or a named '
    'fraction ("half", "a third", "two thirds", "a quarter"), optionally after a qualifier such '
    'as "about", "just over", "nearly", "over", "under", "at least" or "at most"'
)

#: Longest claim text we read; a claim is a phrase, not a document.
MAX_CLAIM_LENGTH = 1000

_ZERO = Fraction(0)
_ONE = Fraction(1)
_HALF = Fraction(1, 2)

# Qualifier kinds: which part of the value's bare interval the claim states.
BARE = "bare"
JUST_OVER = "just_over"
JUST_UNDER = "just_under"
OVER = "over"
UNDER = "under"
AT_LEAST = "at_least"
AT_MOST = "at_most"

#: Phrase -> kind. PRODUCT.md's list plus a few everyday synonyms of the same meaning.
QUALIFIERS: dict[str, str] = {
    **dict.fromkeys(
        ["about", "around", "roughly", "approximately", "approx.", "approx", "circa", "c.", "some", "~"],
        BARE,
    ),
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
# Longest first, so "just over" wins over "over" and "a little over" over a named fraction.
_QUALIFIER_ORDER = sorted(QUALIFIERS, key=len, reverse=True)

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}

#: Named fractions' denominators, singular and plural ("a third", "two thirds").
_ORDINALS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fourth": 4,
    "fourths": 4,
    "fifth": 5,
    "fifths": 5,
    "sixth": 6,
    "sixths": 6,
    "seventh": 7,
    "sevenths": 7,
    "eighth": 8,
    "eighths": 8,
    "ninth": 9,
    "ninths": 9,
    "tenth": 10,
    "tenths": 10,
}

#: Words that carry meaning in a claim: never ignored as a noun after "one in N".
_CLAIM_WORDS = frozenset(
    " ".join([*QUALIFIERS, *_UNITS, *_TEENS, *_TENS, *_SCALES, *_ORDINALS]).split()
    + ["a", "an", "and", "in", "out", "every", "per", "cent", "percent", "pc", "pct"]
)

_PERCENT_SIGN = r"(?:%|per\s?cent|percent|pct|pc|p\.c\.?)"
_PERCENT_RE = re.compile(rf"(?P<num>\d+(?:\.\d+)?|\.\d+)\s*{_PERCENT_SIGN}")
_WORD_PERCENT_RE = re.compile(r"(?P<words>[a-z]+(?: [a-z]+){0,3})\s*(?:%|per\s?cent|percent)")
_COUNT = r"\d{1,3}(?:,\d{3})+|\d+|[a-z]+(?: [a-z]+){0,2}"
# M may be followed by plain words ("one in five adults"); _k_in_m decides what M is.
_M_AND_WORDS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?: .*)?|[a-z].*"
_K_IN_M_RE = re.compile(rf"(?P<k>{_COUNT}) in (?:every )?(?P<m>{_M_AND_WORDS})")
_NAMED_RE = re.compile(r"(?:(?P<k>[a-z]+) )?(?P<word>[a-z]+)")
_OF_TAIL_RE = re.compile(r"\s+of(?:\s.*)?$")


class ClaimError(ValueError):
    """Claim text we cannot read as a proportion. The message says why and what we accept."""


@dataclass(frozen=True)
class ClaimInterval:
    """The proportions (0 to 1) a claim states, as exact fractions with open or closed ends."""

    text: str
    low: Fraction
    high: Fraction
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: Fraction | int | float) -> bool:
        """Is `value` (a proportion) one the claim describes? Floats are taken at their exact
        binary value, so pass a Fraction when the decision matters on an edge."""
        exact = _to_fraction(value)
        if exact is None:
            return False
        above_low = exact > self.low if self.low_open else exact >= self.low
        below_high = exact < self.high if self.high_open else exact <= self.high
        return above_low and below_high

    def __contains__(self, value: Fraction | int | float) -> bool:
        return self.contains(value)

    def __str__(self) -> str:
        return (
            ("(" if self.low_open else "[")
            + _percent_text(self.low)
            + ", "
            + _percent_text(self.high)
            + (")" if self.high_open else "]")
        )


@dataclass(frozen=True)
class ClaimMatch:
    """One definition — numerator stage(s) over a denominator stage — that reproduces a claim.

    `subset` is True only when every numerator stage is nested in the denominator and the units
    agree: only then is the value a proportion of the denominator's people."""

    programme: str | None
    numerator: tuple[str, ...]
    denominator: str
    value: Fraction
    subset: bool
    mixed_units: bool

    @property
    def label(self) -> str:
        """E.g. "(Interested + Contacted) / Visited"."""
        num = " + ".join(self.numerator)
        if len(self.numerator) > 1:
            num = f"({num})"
        return f"{num} / {self.denominator}"


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
    """Split off a leading qualifier: (kind, phrase, rest)."""
    for phrase in _QUALIFIER_ORDER:
        if not t.startswith(phrase):
            continue
        rest = t[len(phrase) :]
        if phrase[-1].isalpha() and rest and not rest.startswith(" "):
            continue  # "overall", "someone": not a qualifier
        return QUALIFIERS[phrase], phrase, rest.strip()
    return BARE, "", t


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


def _value(body: str, text: str) -> tuple[Fraction, Fraction, Fraction]:
    """(V, lo, hi) for the value part of a claim: V and its bare interval, as proportions."""
    for reader in (_percentage, _k_in_m, _named_fraction):
        found = reader(body, text)
        if found is not None:
            return found
    raise _fail(text, _diagnose(body))


def _percentage(body: str, text: str):
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
    if value > 1:
        raise _fail(text, f"{num}% is more than 100%, so it is not a proportion of a group")
    h = Fraction(1, 2 * 10**decimals) / 100
    return value, value - h, value + h


def _k_in_m(body: str, text: str):
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
    return Fraction(k, n), Fraction(2 * k, 2 * n + 1), Fraction(2 * k, 2 * n - 1)


def _named_fraction(body: str, text: str):
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
        k = _UNITS.get(k_word)
        if k is None or k < 1:
            raise _fail(text, f"'{k_word} {word}' is not a fraction we know")
    if k >= den:
        raise _fail(text, f"'{k_word} {word}' is not less than the whole")
    # to the nearest percentage point, halves up (as Excel's ROUND): an eighth is 13%
    value = Fraction(math.floor(Fraction(100 * k, den) + _HALF), 100)
    h = Fraction(1, 200)
    return value, value - h, value + h


def _diagnose(body: str) -> str:
    """Say what, in a value we could not read, went wrong."""
    if not body:
        return "there is a qualifier but no value after it"
    if re.fullmatch(r"\d+(?:\.\d+)?", body):
        return f"'{body}' has no unit: write '{body}%' or '{body} per cent'"
    if re.fullmatch(r"\d+,\d+\s*%?", body):
        return "use a point for decimals ('9.3%'), not a comma"
    if "percentage point" in body:
        return "a change in percentage points is not a rate"
    if re.search(r"\d\s*(?:-|to)\s*\d", body):
        return "ranges such as '9-12%' are not claims we check; check each end separately"
    if re.fullmatch(r"-\s*\d.*", body):
        return "a proportion cannot be negative"
    return f"'{body}' is not a percentage, 'one in N' or a named fraction"


def _select(kind: str, value: Fraction, lo: Fraction, hi: Fraction):
    return {
        BARE: (lo, hi, False, False),
        JUST_OVER: (value, hi, True, False),
        JUST_UNDER: (lo, value, False, True),
        OVER: (value, _ONE, True, False),
        UNDER: (_ZERO, value, False, True),
        AT_LEAST: (value, _ONE, False, False),
        AT_MOST: (_ZERO, value, False, False),
    }[kind]


def parse_claim(text: str) -> ClaimInterval:
    """Read claim text ("just over 6%", "one in 16", "two thirds") as the exact interval of
    proportions it states. Raises ClaimError (a ValueError) for anything else."""
    if isinstance(text, ClaimInterval):
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
    kind, phrase, rest = _take_qualifier(t)
    body = _OF_TAIL_RE.sub("", rest).strip()
    value, lo, hi = _value(body, text)
    low, high, low_open, high_open = _select(kind, value, lo, hi)
    if low < 0:
        low, low_open = _ZERO, False
    if high > 1:
        high, high_open = _ONE, False
    if low > high or (low == high and (low_open or high_open)):
        said = f"'{phrase} {body}'" if phrase else f"'{body}'"
        raise _fail(text, f"no proportion between 0% and 100% is {said}")
    return ClaimInterval(text, low, high, low_open, high_open)


# --------------------------------------------------------------------------------------------
# Checking


def _whole(value, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"the {name} must be a whole number, not TRUE/FALSE")
    if (
        isinstance(value, Integral)
        or isinstance(value, (float, Fraction, Decimal))
        and _to_fraction(value) is not None
        and value == int(value)
    ):
        n = int(value)
    else:
        raise ValueError(f"the {name} must be a whole number, not {value!r}")
    if n < 0:
        raise ValueError(f"the {name} cannot be negative ({n})")
    return n


def claim_matches(claim: str | ClaimInterval, numerator: int, denominator: int) -> bool:
    """Does numerator/denominator, exactly, reproduce the claim at its stated precision?

    A zero denominator raises ZeroDivisionError; a negative or fractional count ValueError;
    unreadable claim text ClaimError."""
    interval = parse_claim(claim)
    num = _whole(numerator, "numerator")
    den = _whole(denominator, "denominator")
    if den == 0:
        raise ZeroDivisionError("the denominator is 0: no rate can be worked out")
    return interval.contains(Fraction(num, den))


def _numerators(programme: Programme) -> list[tuple[str, ...]]:
    """Single exact stages, then each in-funnel stage plus one outside stage of the same unit."""
    exact = [s for s in programme.stages if s.count.exact is not None]
    singles = [(s.name,) for s in exact]
    sums = [
        (inside.name, outside.name)
        for inside in exact
        if not inside.outside
        for outside in exact
        if outside.outside and outside.unit == inside.unit
    ]
    return singles + sums


def explain_claim(claim: str | ClaimInterval, funnel: Funnel) -> list[ClaimMatch]:
    """Every definition within each programme whose exact value the claim contains.

    Numerators are a stage, or an in-funnel stage plus one stage outside the funnel (the Met's
    62 + 20); denominators are every other stage with an exact, non-zero count. Simplest first:
    single stages before sums, then programme, numerator and denominator order."""
    interval = parse_claim(claim)
    found: list[tuple[tuple, ClaimMatch]] = []
    for p_index, programme in enumerate(funnel.programmes):
        position = {s.name: i for i, s in enumerate(programme.stages)}
        for numerator in _numerators(programme):
            num_total = sum(programme.stage(name).count.exact for name in numerator)
            num_unit = programme.stage(numerator[0]).unit
            for denominator in programme.stages:
                den = denominator.count.exact
                if not den or denominator.name in numerator:
                    continue
                value = Fraction(num_total, den)
                if not interval.contains(value):
                    continue
                mixed = num_unit != denominator.unit
                subset = not mixed and all(programme.is_subset(name, denominator.name) for name in numerator)
                key = (
                    len(numerator),
                    p_index,
                    tuple(position[name] for name in numerator),
                    position[denominator.name],
                )
                found.append(
                    (
                        key,
                        ClaimMatch(programme.name, numerator, denominator.name, value, subset, mixed),
                    )
                )
    found.sort(key=lambda pair: pair[0])
    return [match for _, match in found]
