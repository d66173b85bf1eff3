"""The article checker's word lists and its one crude stemmer (one home for this vocabulary).

The stemmer only has to make "visited", "visits" and "Visited" meet, and "interest" meet
"interested": suffixes off, then the first six letters.
"""

from __future__ import annotations

import functools
import re


def split_words(text: str) -> list[str]:
    """A word list written as one string (easier to read and edit than a list of literals)."""
    return text.split()


STOPWORDS = frozenset(
    split_words(
        "a an the of and or but to in on at by for from with without into onto as is are was were be been being "
        "has have had do does did this that these those it its it's they them their there here we our us you your "
        "he she his her him who whom which what when where why how not no nor so than then too very just only "
        "also any all each every some such more most less least many much few fewer over under about after before "
        "between through during while if because until up down out off again further once said says say told "
        "asked i me my mr mrs ms dr new last year years figure figures number numbers total per cent percent rate "
        "rates one"
    )
)

_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "s", "al", "ary", "e")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem: lower case, no possessive, common suffixes off, at most six letters."""
    w = word.lower().replace("’", "'")
    w = re.sub(r"'s?$", "", w)
    for _pass in range(2):  # "referrals" -> "referral" -> "referr"
        for suffix in _SUFFIXES:
            if len(w) > len(suffix) + 3 and w.endswith(suffix):
                w = w[: -len(suffix)]
                if suffix in ("ies", "ied"):
                    w += "y"
                break
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]  # engage -> engag, as engaged
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]  # referr -> refer
    return w[:6]


def content_stems(text: str) -> list[str]:
    """The stems of a text's words that are not stop words, in order."""
    return [stem(w) for w in re.findall(r"[A-Za-z][A-Za-z’'\-]*", text) if w.lower() not in STOPWORDS]


PERSON_NOUNS = frozenset(
    stem(w)
    for w in split_words(
        "people persons person individuals individual men women boys girls children child kids youths adults "
        "offenders suspects victims pupils students patients residents applicants claimants families households "
        "cases referrals officers staff members participants users clients defendants prisoners detainees "
        "survivors parents carers teenagers juveniles migrants refugees voters respondents workers "
        "employees recipients arrests arrested charged convictions referred"
    )
)

#: Words for people themselves (not for what is counted about them, such as arrests or cases):
#: a count of these is in other units than a stage counting searches or claims.
PEOPLE_WORDS = frozenset(
    stem(w)
    for w in split_words(
        "people persons person individuals individual men women boys girls children child kids youths adults "
        "offenders suspects victims pupils students patients residents applicants claimants teenagers"
    )
)
