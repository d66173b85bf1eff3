"""xlplugin.core.lazyre: a pattern compiled on first use matches exactly as re.compile's."""

from __future__ import annotations

import re

from xlplugin.core.lazyre import lazy

SOURCE = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<unit> people| visits)?"
TEXT = "62 people of 669 visits; 1,000 identified"


def test_not_compiled_until_used() -> None:
    pattern = lazy(SOURCE)
    assert pattern._compiled is None
    assert pattern.pattern == SOURCE
    assert pattern.search(TEXT) is not None
    assert pattern._compiled is pattern.compiled


def test_methods_agree_with_re_compile() -> None:
    ours, theirs = lazy(SOURCE, re.IGNORECASE), re.compile(SOURCE, re.IGNORECASE)
    assert ours.flags == re.IGNORECASE
    assert ours.match(TEXT).group(0) == theirs.match(TEXT).group(0) == "62 people"
    assert ours.match(TEXT, 3) is None and theirs.match(TEXT, 3) is None
    assert ours.fullmatch("1,000") is not None and ours.fullmatch("1,000 x") is None
    assert ours.search(TEXT, 10).group("num") == "669"
    assert [m.span() for m in ours.finditer(TEXT)] == [m.span() for m in theirs.finditer(TEXT)]
    assert ours.findall(TEXT) == theirs.findall(TEXT) == [("62", " people"), ("669", " visits"), ("1,000", "")]
    assert ours.sub("N", TEXT) == "N of N; N identified"
    assert ours.sub(lambda m: m.group("num")[::-1], TEXT, 1) == "26 of 669 visits; 1,000 identified"
    assert ours.split("a 1 b 22 c", 1) == theirs.split("a 1 b 22 c", 1) == ["a ", "1", None, " b 22 c"]
