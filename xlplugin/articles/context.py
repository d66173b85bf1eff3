"""Tie a claim to the figures by its context, not only its arithmetic.

With many stages some definition reproduces almost any percentage by coincidence, so each
candidate definition is scored by what the text says around the claim: the claim's sentence and
the one before it ("of that number", "of the 669"). A stage scores when its count is stated there
(3 points: "62 of the 669") or its name's words are (1 point; 0.5 for its note's words), and a
programme when its name is. A definition with no support at all is coincidental.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xlplugin.articles.words import content_stems

#: Points for a stage whose count is stated in the window, and for a word of its name.
COUNT_POINTS = 3.0
NAME_POINTS = 1.0
NOTE_POINTS = 0.5
PROGRAMME_POINTS = 2.0

_BREAK_RE = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘'(\[]*[A-Z0-9£$])|\n\s*\n|\n(?=\S)")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence (and line) spans of text[start:end], in order: a new line also ends a sentence,
    since headlines and list items carry no full stop."""
    stop = len(text) if end is None else end
    spans, pos = [], start
    for m in _BREAK_RE.finditer(text, start, stop):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < stop:
        spans.append((pos, stop))
    return [(s, e) for s, e in spans if text[s:e].strip()]


@dataclass(frozen=True)
class Window:
    """The words and stated counts around one claim."""

    text: str
    stems: frozenset[str]
    counts: tuple[float, ...]


#: A stem in more stage names than this says little about which stage is meant ("referred").
COMMON_STEM_STAGES = 2


def stage_words(name: str, note: str = "") -> tuple[frozenset[str], frozenset[str]]:
    """The stems that stand for a stage: its name's, and its note's."""
    name_stems = frozenset(content_stems(name))
    return name_stems, frozenset(content_stems(note)) - name_stems


def programme_words(stages: list[tuple[str, str]]) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Each stage's (name, note) stems, keeping of its name only the stems few other stages
    share, unless that leaves none: "Referred by the police" is the police, not "referred"."""
    words = {name: stage_words(name, note) for name, note in stages}
    seen: dict[str, int] = {}
    for name_stems, _note in words.values():
        for s in name_stems:
            seen[s] = seen.get(s, 0) + 1
    out = {}
    for name, (name_stems, note_stems) in words.items():
        distinctive = frozenset(s for s in name_stems if seen[s] <= COMMON_STEM_STAGES) or name_stems
        out[name] = (distinctive, note_stems)
    return out


def support(
    window: Window,
    stages: list[tuple[str, int | None, frozenset[str], frozenset[str]]],
    programme: str | None = None,
) -> float:
    """How well the window supports a definition over `stages`, each (name, count, name stems,
    note stems); with `programme`, its name stated in the window scores too, but only beside some
    other support (a year named is not, alone, a definition)."""
    points = 0.0
    for _name, count, name_stems, note_stems in stages:
        if count is not None and float(count) in window.counts:
            points += COUNT_POINTS
        if name_stems & window.stems:
            points += NAME_POINTS
        elif note_stems & window.stems:
            points += NOTE_POINTS
    if points and programme and re.search(rf"(?<!\w){re.escape(programme)}(?!\w)", window.text, re.IGNORECASE):
        points += PROGRAMME_POINTS
    return points
