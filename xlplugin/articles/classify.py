"""Tell the claims about the figures (rate, count, change, ratio) from the numbers that are not.

A number is not a claim when its neighbours say what else it is: a date or time, a year, a
duration, an age, money, a name ("Operation Blunt 2", "COVID-19"), a section of an Act, a
threshold or how often something happened ("at least three times in the last year"), or a count
of things the table does not count ("32 boroughs"). The rules read only the words beside the
number, so they are cheap and explainable: each ignored number carries its reason.

Each claim's quote is the smallest phrase holding the number with its qualifier and unit
("just over 6%", "just 669 were visited").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xlplugin.articles import finder
from xlplugin.articles.finder import Expression
from xlplugin.articles.words import PERSON_NOUNS, STOPWORDS, split_words, stem

RATE, COUNT, CHANGE, RATIO = "rate", "count", "change", "ratio"

MONTHS = _MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DURATION_UNITS = {
    "second",
    "seconds",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "fortnight",
    "fortnights",
    "month",
    "months",
    "year",
    "years",
    "decade",
    "decades",
    "night",
    "nights",
    "term",
    "terms",
}
_MONEY_WORDS = {"pounds", "pound", "dollars", "dollar", "euros", "euro", "pence", "p", "quid", "gbp", "usd"}
#: Words before a number that make it a label: "Operation Blunt 2", "section 60", "Year 9".
_NAME_WORDS = {
    "section",
    "sections",
    "s.",
    "article",
    "articles",
    "schedule",
    "chapter",
    "clause",
    "paragraph",
    "para",
    "regulation",
    "rule",
    "part",
    "tier",
    "phase",
    "level",
    "key stage",
    "year",
    "room",
    "ward",
    "route",
    "channel",
    "number",
    "no.",
    "no",
    "page",
    "table",
    "figure",
    "chart",
    "question",
    "annex",
    "appendix",
    "covid",
    "operation",
    "version",
    "grade",
    "band",
    "category",
    "class",
    "division",
    "unit",
    "block",
    "floor",
    "platform",
    "district",
    "zone",
}
#: Things organisations and places, counted: not what an FOI funnel counts unless its units say so.
_ORGANISATION_NOUNS = {
    stem(w)
    for w in split_words(
        "forces boroughs councils authorities schools areas hospitals trusts prisons companies firms organisations "
        "organizations charities countries cities towns regions wards constituencies services sites offices stations "
        "teams units branches departments agencies providers partners boards universities colleges clinics practices "
        "estates streets roads neighbourhoods communities languages pages questions letters calls emails documents "
        "miles kilometres metres km offences crimes incidents weapons knives guns cars vehicles homes houses "
        "properties beds"
    )
}
_QUALIFIER_RE = re.compile(
    r"(?:^|(?<=\W))(?P<q>just over|just under|just above|just below|slightly more than|slightly over|slightly less than"
    r"|a little over|a little under|a little more than|a little less than|well over|well under|more than|less than"
    r"|fewer than|greater than|no more than|no fewer than|no less than|not quite|at least|at most|up to|as many as"
    r"|as few as|a further|another|a total of|in total|an estimated|approximately|approx\.?|roughly|around|about"
    r"|nearly|almost|some|over|under|above|below|only|just|a mere|merely|barely|all|circa|c\.)\s+$",
    re.IGNORECASE,
)
_CHANGE_BEFORE = {
    stem(w)
    for w in split_words(
        "rose rise rises rising risen fell fall falls falling fallen increase increased increases increasing "
        "decrease decreased decreasing drop dropped drops cut cuts grew grow growth jump jumped declined decline "
        "climbed climb soared plummeted reduction reduced down up surge surged slumped lower higher change changed"
    )
}
_CHANGE_AFTER = {
    stem(w)
    for w in split_words("rise increase fall drop decrease reduction higher lower more fewer less up down jump cut")
}
_RATIO_AFTER = {"as", "more", "higher", "greater", "larger", "bigger", "less", "lower", "fewer", "likely", "the"}


@dataclass(frozen=True)
class Finding:
    """One expression, classified: `kind` is rate/count/change/ratio, or None with `reason`.

    `quote_start`/`quote_end` delimit the quote; `qualifier` is the word(s) before the number that
    bound it ("just over", "nearly"), lower case, or ""."""

    expression: Expression
    kind: str | None
    reason: str
    quote_start: int
    quote_end: int
    qualifier: str = ""
    noun: str = ""

    def quote(self, text: str) -> str:
        return text[self.quote_start : self.quote_end]


def _words_after(text: str, end: int, limit: int = 6) -> list[tuple[str, int, int]]:
    """Following words (lower case, with offsets) up to a sentence or clause break."""
    out: list[tuple[str, int, int]] = []
    chunk = text[end : end + 120].split("\n", 1)[0]  # a line ends the phrase
    for m in re.finditer(r"[A-Za-z][A-Za-z’'\-]*|\d+(?:[.,]\d+)*|[^\sA-Za-z0-9]", chunk):
        token = m.group(0)
        if not token[0].isalnum():
            if token in "-–" and not out:
                continue
            break
        out.append((token.lower().rstrip("’'"), end + m.start(), end + m.end()))
        if len(out) >= limit:
            break
    return out


def _words_before(text: str, start: int, limit: int = 4) -> list[str]:
    chunk = text[max(0, start - 80) : start]
    chunk = re.split(r"[.;:!?()\[\]\n“”\"]", chunk)[-1]
    return [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z’'\-.]*", chunk)][-limit:]


def _sentence_initial(text: str, pos: int) -> bool:
    before = text[max(0, pos - 3) : pos]
    return pos == 0 or bool(re.search(r"(?:[.!?\n\"“]\s*|^\s*)$", before))


def _qualifier(text: str, start: int) -> tuple[str, int]:
    m = _QUALIFIER_RE.search(text[max(0, start - 40) : start])
    if not m:
        return "", start
    return re.sub(r"\s+", " ", m.group("q").lower()), start - (len(text[max(0, start - 40) : start]) - m.start("q"))


def _change_start(text: str, start: int) -> int | None:
    """Where the words that make a number a change begin: "an increase of 1.5%", "fell by 1%",
    "down 12%"; None when there are none."""
    chunk = text[max(0, start - 40) : start]
    m = re.search(r"(?:\b(?:an?|the)\s+)?\b([A-Za-z]+)\s+(?:by|of)\s+$", chunk)
    if not (m and stem(m.group(1)) in _CHANGE_BEFORE):
        m = re.search(r"\b([A-Za-z]+)\s+$", chunk)
        if not (m and stem(m.group(1)) in _CHANGE_BEFORE and m.group(1).lower() not in ("to", "higher", "lower")):
            return None
    return start - len(chunk) + m.start()


def classify(
    text: str,
    expr: Expression,
    vocabulary: frozenset[str] = frozenset(),
    counts: frozenset[float] = frozenset(),
) -> Finding | None:
    """Classify one expression; `vocabulary` is the stems of the table's stage names and units,
    `counts` its stages' counts (a bare number equal to one is a count claim, "(6,817)").
    None for an expression not worth listing at all ("one of these things")."""
    after = _words_after(text, expr.end)
    after_words = [w for w, _s, _e in after]
    before = _words_before(text, expr.start)
    prev_char = text[expr.start - 1] if expr.start else ""
    qualifier, q_start = _qualifier(text, expr.start)

    def ignore(reason: str, end: int | None = None) -> Finding:
        return Finding(expr, None, reason, q_start if qualifier else expr.start, end or expr.end, qualifier)

    def claim(kind: str, end: int | None = None, noun: str = "", start: int | None = None) -> Finding:
        begin = start if start is not None else q_start if qualifier else expr.start
        return Finding(expr, kind, "", begin, end or expr.end, qualifier, noun)

    first = after_words[0] if after_words else ""
    second = after_words[1] if len(after_words) > 1 else ""
    value = expr.value
    whole = value is not None and float(value).is_integer()

    if expr.form == finder.TIME:
        return ignore("a time of day")
    if expr.form == finder.YEAR:
        return ignore("a year")
    if re.search(r"\d(?:st|nd|rd|th)$", expr.text):
        return ignore("a date" if re.fullmatch(_MONTHS, first) else "an ordinal (a rank, not a count)")
    # dates: "17 June 2021", "June 17", "May 2020"
    if expr.form in (finder.NUMBER, finder.RANGE) and whole and "," not in expr.text:
        if re.fullmatch(_MONTHS, first) and value is not None and 1 <= value <= 31:
            return ignore("a date")
        if before and re.fullmatch(_MONTHS + r"|" + _DAYS, before[-1].rstrip(".")):
            return ignore("a date")
        if before and before[-1] in ("the",) and re.fullmatch(_MONTHS, second or "") and first == "of":
            return ignore("a date")
        year = re.fullmatch(r"\d{4}(?:\s*(?:[-–/]|to)\s*\d{2,4})?", expr.text)
        if (
            value is not None
            and 1900 <= value <= 2100
            and year
            and not (first and stem(first) in PERSON_NOUNS | vocabulary)
        ):
            return ignore("a year")
    if re.match(r"\d{4}/\d{2}", text[expr.start : expr.start + 7]):
        return ignore("a year")
    # money
    if (prev_char in "£$€" or first in _MONEY_WORDS) and not vocabulary & {stem(w) for w in _MONEY_WORDS}:
        return ignore("money (the table counts no money)")
    # names and section numbers: "Operation Blunt 2", "COVID-19", "section 60"
    if (
        expr.form in (finder.NUMBER, finder.RANGE)
        and prev_char in "-–"
        and re.search(r"[A-Za-z]+[-–]$", text[max(0, expr.start - 12) : expr.start])
    ):
        return ignore("part of a name")
    if expr.form in (finder.NUMBER, finder.WORDS) and before:
        word_before = before[-1]
        two_before = " ".join(before[-2:])
        raw_before = re.search(r"([A-Za-z][A-Za-z’'\-]*)\s+$", text[max(0, expr.start - 40) : expr.start])
        if word_before.rstrip(".") in _NAME_WORDS or two_before in _NAME_WORDS or word_before in ("act", "acts"):
            return ignore("a name or section number")
        if raw_before and raw_before.group(1)[0].isupper() and expr.form == finder.NUMBER:
            word = raw_before.group(1)
            if not _sentence_initial(text, raw_before.start(1) + max(0, expr.start - 40)) and word.lower() not in (
                STOPWORDS
            ):
                return ignore("part of a name")
    # ages: "aged 15", "15-year-old", "under-18s", "children under 15", "have been under 15"
    if re.search(r"\b(?:aged|ages?)\s+$", text[max(0, expr.start - 12) : expr.start], re.IGNORECASE):
        return ignore("an age or age band")
    if (
        qualifier in ("under", "over")
        and value is not None
        and value <= 25
        and len(before) > 1
        and (stem(before[-2]) in PERSON_NOUNS or before[-2] in ("been", "are", "were", "is", "was", "aged"))
    ):
        return ignore("an age or age band")
    tail = text[expr.end : expr.end + 20].lower()
    if re.match(r"[\s\-–]*(?:year|yr)s?[\s\-–]*olds?\b", tail) or re.match(r"s\b", tail):
        return ignore("an age or age band")
    # durations: "6-8 weeks", "8 or 10 years", "half an hour"
    if first in _DURATION_UNITS or (first in ("an", "a") and second in _DURATION_UNITS):
        return ignore("a duration", after[0][2] if first in _DURATION_UNITS else after[1][2])
    if (
        first in ("or", "to", "and", "-")
        and len(after_words) > 2
        and (second.isdigit() or finder.number_words(second) is not None)
        and after_words[2] in _DURATION_UNITS
    ):
        return ignore("a duration", after[2][2])
    if first in ("per",) and second in _DURATION_UNITS:
        return ignore("a frequency")

    if expr.form == finder.PERCENT or expr.form == finder.RANGE and re.search(r"%|cent|pc", expr.text):
        change_start = _change_start(text, q_start if qualifier else expr.start)
        if change_start is not None:
            return claim(CHANGE, start=change_start)
        if first and stem(first) in _CHANGE_AFTER and not (first in ("more", "fewer", "less") and second == "than"):
            return claim(CHANGE, after[0][2])
        return claim(RATE)
    if expr.form in (finder.NUMBER, finder.WORDS) and first in ("percentage", "points", "point"):
        end = after[1][2] if first == "percentage" and len(after) > 1 else after[0][2]
        return claim(CHANGE, end)
    if expr.form in (finder.FRACTION, finder.K_IN_M):
        if expr.form == finder.FRACTION and (first in ("of", "an", "a") and second in _DURATION_UNITS):
            return ignore("a duration")
        change_start = _change_start(text, q_start if qualifier else expr.start)
        if change_start is not None:
            return claim(CHANGE, start=change_start)  # "an increase of more than a quarter"
        return claim(RATE)
    if expr.form == finder.MULTIPLE or first == "times":
        word = expr.text.lower()
        if expr.form == finder.MULTIPLE and word in (
            "doubled",
            "halved",
            "tripled",
            "trebled",
            "quadrupled",
            "doubling",
        ):
            return claim(CHANGE)
        nxt = second if first == "times" else first
        end = after[0][2] if first == "times" else expr.end
        if nxt in _RATIO_AFTER and not (nxt == "the" and word in ("once",)):
            return claim(RATIO, end)
        reach = _threshold_end(text, end)
        why = "a threshold or selection criterion" if qualifier else "how often, not a count the figures hold"
        return ignore(why, reach)
    if expr.form == finder.RANGE:
        return ignore("a range that is not a rate")

    # counts
    if expr.form == finder.WORDS and value == 1 and not (first and stem(first) in PERSON_NOUNS):
        return None  # "one of these things", "just one outcome"
    noun, noun_end = _noun(after, vocabulary)
    if noun and stem(noun) in _ORGANISATION_NOUNS and stem(noun) not in vocabulary and not noun.endswith("ed"):
        return ignore(f"a count of {noun}, which the table does not count", noun_end)
    if noun:
        return claim(COUNT, noun_end, noun)
    if first in ("were", "was", "had", "have", "are", "is") and second.endswith(("ed", "en")):
        return claim(COUNT, after[1][2])
    if before and before[-1] in ("the", "of", "from", "among", "out") or qualifier:
        return claim(COUNT)
    if value is not None and value >= 10 and value in counts:
        return claim(COUNT)  # "(6,817)", "1,921; 28%": a count the table holds, stated bare
    return ignore("a number with no unit the figures count")


def _noun(after: list[tuple[str, int, int]], vocabulary: frozenset[str]) -> tuple[str, int]:
    """The noun a count is of: the first person noun, organisation or table word among the next
    few words, before any verb-like stop word ("1,000 of London's most prolific violent offenders")."""
    known = PERSON_NOUNS | vocabulary | _ORGANISATION_NOUNS
    for i, (word, _s, end) in enumerate(after[:6]):
        if stem(word) in known:
            if stem(word) in PERSON_NOUNS:
                return word, end
            # "156 follow up engagements": run on to a later word of the table close by
            for later, _s2, later_end in after[i + 1 : i + 3]:
                if stem(later) in vocabulary:
                    word, end = later, later_end
            return word, end
        if word in ("were", "was", "had", "have", "has", "are", "is", "who", "which", "that", "and", "but", "to"):
            break
    return "", 0


def _threshold_end(text: str, end: int) -> int:
    m = re.match(
        r"\s+(?:in|within|over|during)\s+(?:the\s+)?(?:last|past|previous|preceding)\s+(?:\w+\s+)?"
        r"(?:year|years|months|month|weeks|week|days)",
        text[end : end + 60],
        re.IGNORECASE,
    )
    if m:
        return end + m.end()
    m = re.match(r"\s+(?:a|per|each|every)\s+(?:year|month|week|day)", text[end : end + 30], re.IGNORECASE)
    return end + m.end() if m else end
