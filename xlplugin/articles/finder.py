"""Find every quantitative expression in a text, with its character offsets and line.

The finder only finds: "6%", "just" and "of that number" are the classifier's business. It knows
numbers with and without thousands separators ("1,000", "1000", "1.2 million"), percentages
("6%", "12 per cent", "12pc"), numbers in words ("sixty-two", "three hundred"), named fractions
("a third", "two thirds", "half"), "one in five" and "2 out of 5", ranges ("6-8"), times
("05:45") and multiples ("twice", "doubled", "halved"). Pure Python (`re`), so the Excel function
can use it.

Offsets are Python string indices (Unicode code points) into the text as read, end exclusive;
lines count from 1.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from xlplugin.core.numberwords import FRACTIONS as NAMED_FRACTIONS
from xlplugin.core.numberwords import SCALES, TENS, UNDER_TWENTY

PERCENT = "percent"
NUMBER = "number"
WORDS = "words"
FRACTION = "fraction"
K_IN_M = "k_in_m"
RANGE = "range"
TIME = "time"
YEAR = "year"
MULTIPLE = "multiple"

_UNITS, _TENS, _SCALES = UNDER_TWENTY, TENS, SCALES  # numbers in words: core/numberwords.py
#: Named fractions' denominators ("a third", "two thirds"): the claim parser's, but for the
#: fourths to ninths, which in news text are mostly ordinals ("a fourth year", "an eighth arrest").
FRACTIONS = {word: den for word, den in NAMED_FRACTIONS.items() if den in (2, 3, 4, 5, 6, 10) and "fourth" not in word}
#: Multiples in one word: the factor they state (a change when a verb: "doubled").
MULTIPLES = {
    "once": 1,
    "twice": 2,
    "thrice": 3,
    "double": 2,
    "doubled": 2,
    "doubles": 2,
    "doubling": 2,
    "treble": 3,
    "trebled": 3,
    "triple": 3,
    "tripled": 3,
    "quadrupled": 4,
    "halved": 0.5,
    "halving": 0.5,
}

_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
_WORD_RUN = rf"(?:{_NUMBER_WORD})(?:(?:[ \-]+|[ ]+and[ ]+)(?:{_NUMBER_WORD}))*"
_FRACTION_WORD = "|".join(sorted(FRACTIONS, key=len, reverse=True))
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_SCALE_SUFFIX = r"(?:\s*(?:million|billion|thousand|bn|m|k)\b)?"
_PERCENT_SIGN = r"\s*(?:%|per[ \-]?cent\b|percent\b|pc\b|pct\b)"

_TOKEN_RE = re.compile(
    rf"""
    (?P<time>\b\d{{1,2}}:\d{{2}}\b(?:\s*[ap]\.?m\b\.?)?|\b\d{{1,2}}(?:\.\d{{2}})?\s*[ap]\.?m\b\.?)
    |(?P<year>\b(?:1[89]|20)\d{{2}}/\d{{2}}(?:\d{{2}})?\b)
    |(?P<ordinal>(?<![\w.,])\d{{1,4}}(?:st|nd|rd|th)\b)
    |(?P<range>(?<![\w.,])(?:{_DIGITS})\s*(?:-|–|—|to)\s*(?:{_DIGITS})(?:{_PERCENT_SIGN})?(?!\d|,\d|\.\d))
    |(?P<digits>(?<![\w.,])(?:{_DIGITS})(?!\d|,\d|\.\d)(?:{_PERCENT_SIGN}|{_SCALE_SUFFIX}))
    |(?P<fraction>\b(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine)[ \-]+)?(?:{_FRACTION_WORD})\b)
    |(?P<words>\b{_WORD_RUN}\b(?:{_PERCENT_SIGN})?)
    |(?P<multiple>\b(?:{"|".join(sorted(MULTIPLES, key=len, reverse=True))})\b)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_K_IN_M_RE = re.compile(r"\s+(?:in|out\s+of)\s+(?:every\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Expression:
    """One quantitative expression: where it is, what form it has, and its value (percentages
    as the number before the sign: 6.0 for "6%"; "one in five" as 0.2)."""

    start: int
    end: int
    text: str
    form: str
    value: float | None
    line: int


def number_words(words: str) -> int | None:
    """ "sixty-two" -> 62, "three hundred and twenty" -> 320, "a thousand" -> 1000; else None."""
    parts = [w for w in re.split(r"[\s\-]+", words.lower()) if w and w != "and"]
    if not parts:
        return None
    total, current = 0, 0
    seen_any = False
    for w in parts:
        if w in ("a", "an") and not seen_any:
            current = 1
            continue
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w in _SCALES:
            scale = _SCALES[w]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total += (current or 1) * scale
                current = 0
        else:
            return None
        seen_any = True
    return total + current


def _digits_value(text: str) -> float | None:
    m = re.match(rf"({_DIGITS})", text)
    if not m:
        return None
    value = float(m.group(1).replace(",", ""))
    tail = text[m.end() :].strip().lower()
    scale = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3, "k": 1e3}.get(tail)
    return value * scale if scale else value


def _fraction_value(text: str) -> float | None:
    parts = re.split(r"[\s\-]+", text.lower())
    den = FRACTIONS[parts[-1]]
    if len(parts) == 1:
        return 0.5 if parts[0] == "half" else None
    k = 1 if parts[0] in ("a", "an") else _UNITS.get(parts[0])
    return k / den if k else None


#: Words an expression can start with; the big pattern is only tried where one starts (or a digit).
_STARTERS = frozenset(["a", "an", *_UNITS, *_TENS, *_SCALES, *FRACTIONS, *MULTIPLES])
_CANDIDATE_RE = re.compile(r"[A-Za-z]+|\.?\d")


def _matches(text: str, start: int, stop: int):
    """`_TOKEN_RE.finditer(text, start, stop)`, trying the pattern only where a token can start:
    at a digit (or a point before one) and at a number word, not at every character."""
    pos = start
    for c in _CANDIDATE_RE.finditer(text, start, stop):
        at = c.start()
        if at < pos:
            continue
        if c.group(0)[0].isalpha() and c.group(0).lower() not in _STARTERS:
            continue
        m = _TOKEN_RE.match(text, at, stop)
        if m is None and c.group(0).startswith("."):
            m = _TOKEN_RE.match(text, at + 1, stop)
        if m is not None and m.end() > m.start():
            yield m
            pos = m.end()


class _Lines:
    def __init__(self, text: str):
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def find_expressions(text: str, start: int = 0, end: int | None = None) -> list[Expression]:
    """Every quantitative expression in text[start:end], in text order."""
    lines = _Lines(text)
    stop = len(text) if end is None else end
    raw: list[Expression] = []
    for m in _matches(text, start, stop):
        kind = m.lastgroup
        token = m.group(0)
        s, e = m.start(), m.end()
        if kind == "time":
            raw.append(Expression(s, e, token, TIME, None, lines.line(s)))
        elif kind == "year":
            raw.append(Expression(s, e, token, YEAR, None, lines.line(s)))
        elif kind == "ordinal":
            raw.append(Expression(s, e, token, NUMBER, float(token[:-2]), lines.line(s)))
        elif kind == "range":
            raw.append(Expression(s, e, token, RANGE, _digits_value(token), lines.line(s)))
        elif kind == "digits":
            form = PERCENT if re.search(_PERCENT_SIGN + "$", token, re.IGNORECASE) else NUMBER
            raw.append(Expression(s, e, token, form, _digits_value(token), lines.line(s)))
        elif kind == "fraction":
            value = _fraction_value(token)
            if value is None and token.lower() != "half":
                continue  # "quarter" alone is a time or a place, not a figure
            raw.append(Expression(s, e, token, FRACTION, value if value is not None else 0.5, lines.line(s)))
        elif kind == "words":
            is_pct = re.search(_PERCENT_SIGN + "$", token, re.IGNORECASE)
            words = re.sub(_PERCENT_SIGN + "$", "", token, flags=re.IGNORECASE)
            value = number_words(words)
            if value is None:
                continue
            raw.append(Expression(s, e, token, PERCENT if is_pct else WORDS, float(value), lines.line(s)))
        else:
            raw.append(Expression(s, e, token, MULTIPLE, float(MULTIPLES[token.lower()]), lines.line(s)))
    return _join_k_in_m(text, raw)


def _join_k_in_m(text: str, found: list[Expression]) -> list[Expression]:
    """ "one in five", "2 out of 5": two numbers and the words between become one expression."""
    out: list[Expression] = []
    i = 0
    while i < len(found):
        a = found[i]
        b = found[i + 1] if i + 1 < len(found) else None
        if (
            b is not None
            and a.form in (NUMBER, WORDS)
            and b.form in (NUMBER, WORDS)
            and a.value
            and b.value
            and _K_IN_M_RE.fullmatch(text[a.end : b.start])
            and a.value <= b.value
            and float(a.value).is_integer()
        ):
            out.append(Expression(a.start, b.end, text[a.start : b.end], K_IN_M, a.value / b.value, a.line))
            i += 2
            continue
        out.append(a)
        i += 1
    return out
