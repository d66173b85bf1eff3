"""Check a text: find, classify, tie to context and give verdicts; then JSON or terminal text.

Offsets (`start`, `end`) are Python string indices (Unicode code points) into the text as read,
end exclusive; `line` counts from 1. A text that starts with a header block of `key: value` lines
ended by a line `---` (as the collected articles do) is checked from after that line.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass, field

from xlplugin.articles import classify as cl
from xlplugin.articles import finder, verdicts
from xlplugin.articles.context import Window, sentence_spans
from xlplugin.articles.words import content_stems, stem
from xlplugin.core.funnel import Funnel

#: "16% last year", "23% the year before": a figure about an earlier period than the text's own.
_PAST_RE = re.compile(
    r"\s*(?:(?P<one>last year|the previous year|the preceding year|a year earlier|the year before that)"
    r"|(?P<before>the year before))\b",
    re.IGNORECASE,
)
_FROM_TO_RE = re.compile(r"\bfrom\s+$", re.IGNORECASE)
_TO_RE = re.compile(r"\s+to\s+\d[\d.,]*\s*(?:%|per\s?cent)", re.IGNORECASE)
_HEADER_RE = re.compile(r"\A(?:[A-Za-z_][\w \-]*:[^\n]*\n)+---[ \t]*\n")


@dataclass(frozen=True)
class CheckedClaim:
    quote: str
    start: int
    end: int
    line: int
    kind: str
    verdict: verdicts.Verdict
    finding: cl.Finding

    @property
    def definition(self) -> str:
        best = self.verdict.best
        if best is not None:
            return best.text
        if self.verdict.nearest:
            return "nearest: " + "; ".join(d.text for d in self.verdict.nearest)
        if self.verdict.matches:
            return "only by coincidence: " + self.verdict.matches[0].text
        if self.verdict.reason:
            return self.verdict.reason
        return ""

    def as_json(self) -> dict:
        return {
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "kind": self.kind,
            "verdict": self.verdict.verdict,
            "programme": self.verdict.programme,
            "definition": self.definition,
            "reason": self.verdict.reason,
            "matches": [m.as_json() for m in self.verdict.matches],
            "nearest": [m.as_json() for m in self.verdict.nearest],
        }


@dataclass(frozen=True)
class Ignored:
    quote: str
    start: int
    end: int
    line: int
    reason: str

    def as_json(self) -> dict:
        return {"quote": self.quote, "start": self.start, "end": self.end, "line": self.line, "reason": self.reason}


@dataclass
class CheckResult:
    source: str
    input: str
    claims: list[CheckedClaim] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "input": self.input,
            "claims": [c.as_json() for c in self.claims],
            "ignored": [i.as_json() for i in self.ignored],
        }


def body_start(text: str) -> int:
    """Where the checked text starts: after a `key: value` header block and its `---` line."""
    m = _HEADER_RE.match(text)
    return m.end() if m else 0


def vocabulary(funnel: Funnel) -> frozenset[str]:
    """Stems of the table's stage names and units: what a count may be a count of."""
    words: set[str] = set()
    for p in funnel.programmes:
        for s in p.stages:
            words.update(content_stems(s.name))
            words.add(stem(s.unit))
    return frozenset(words)


def find_claims(text: str, funnel: Funnel | None = None) -> tuple[list[cl.Finding], list[cl.Finding]]:
    """(claims, ignored) findings of a text, in text order: no verdicts yet."""
    vocab = vocabulary(funnel) if funnel is not None else frozenset()
    counts = frozenset(
        value
        for p in (funnel.programmes if funnel else ())
        for s in p.stages
        if (value := verdicts.published(s.count)) is not None
    )
    found: list[cl.Finding] = []
    ignored: list[cl.Finding] = []
    for expr in finder.find_expressions(text, body_start(text)):
        f = cl.classify(text, expr, vocab, counts)
        if f is None:
            continue
        previous = found[-1] if found else None
        if (
            f.kind == cl.RATE
            and previous is not None
            and previous.kind == cl.CHANGE
            and re.fullmatch(r"\s*(?:,|and|or|, and)\s*", text[previous.quote_end : f.quote_start])
        ):
            f = dataclasses.replace(f, kind=cl.CHANGE)  # "decreasing by 7% and 0.6% respectively"
        (found if f.kind else ignored).append(f)
    return found, ignored


_ELSEWHERE_RE = re.compile(
    r"\s+(?:in|for|at|across)\s+(?:the\s+)?(?P<name>[A-Z][\w’'\-]+(?:\s+(?:of\s+|and\s+)?[A-Z][\w’'\-]+)*)"
)


def own_names(text: str, funnel: Funnel) -> str:
    """The text's own subject, for telling claims about someone else: its first two paragraphs
    (headline and standfirst) and the names of the figures' programmes and stages, lower case."""
    paragraphs = [p for p in text[body_start(text) :].split("\n\n") if p.strip()][:2]
    names = [p.name or "" for p in funnel.programmes] + [s.name for p in funnel.programmes for s in p.stages]
    return " ".join(paragraphs + names).lower()


def elsewhere(text: str, f: cl.Finding, ignored: list[cl.Finding], spans, funnel: Funnel, own: str) -> str:
    """Why a claim is about a population the figures do not cover, or "": "32.89% in
    Warwickshire" in a West Yorkshire story; "Of the 21 forces who provided data, 36.42%"."""
    m = _ELSEWHERE_RE.match(text, f.quote_end)
    if m and m.group("name").lower() not in own and not re.fullmatch(cl.MONTHS, m.group("name").lower()):
        return f"it is about {m.group('name')}, which the figures do not cover"
    sentence = next(((s, e) for s, e in spans if s <= f.quote_start < e), None)
    if sentence is None:
        return ""
    programmes = " ".join(p.name or "" for p in funnel.programmes)
    for i in ignored:
        in_sentence = sentence[0] <= i.quote_start < sentence[1]
        if in_sentence and i.reason.startswith("a count of") and i.expression.text not in programmes:
            return f"it is about the {i.quote(text)} the sentence names, which the figures do not cover"
    return ""


def _windows(text: str, findings: list[cl.Finding]) -> list[Window]:
    """Each finding's window: its sentence and the one before, with the counts stated there."""
    spans = sentence_spans(text, body_start(text))
    starts = [s for s, _e in spans]
    counts_at = [
        (f.expression.start, f.expression.value)
        for f in findings
        if f.kind == cl.COUNT and f.expression.value is not None
    ]
    out = []
    stems: dict[tuple[int, int], frozenset[str]] = {}
    positions = [pos for pos, _v in counts_at]
    for f in findings:
        i = max(0, bisect.bisect_right(starts, f.expression.start) - 1)
        lo = spans[i - 1][0] if i > 0 else spans[i][0] if spans else 0
        hi = spans[i][1] if spans else len(text)
        chunk = text[lo:hi]
        if (lo, hi) not in stems:
            stems[(lo, hi)] = frozenset(content_stems(chunk))
        first, last = bisect.bisect_left(positions, lo), bisect.bisect_left(positions, hi)
        counts = tuple(float(v) for pos, v in counts_at[first:last] if pos != f.expression.start)
        out.append(Window(chunk, stems[(lo, hi)], counts))
    return out


def past_period(text: str, finding: cl.Finding, funnel: Funnel) -> tuple[str | None, str]:
    """For a figure followed by "last year" or "the year before" after one said of "this year"
    ("13% this year versus 16% last year"): the programme (period) it is about, counting back from
    the latest, when the programmes are periods; else why it cannot be checked. ("", "") when the
    figure is not set against this year's."""
    m = _PAST_RE.match(text, finding.quote_end)
    before = text[max(0, finding.quote_start - 120) : finding.quote_start]
    back = 1
    if _FROM_TO_RE.search(before) and _TO_RE.match(text, finding.quote_end):
        m = _TO_RE.match(text, finding.quote_end)  # "fell from 16% to 13%": the 16% is the year before
    elif not m or "this year" not in before.lower():
        return "", ""
    elif m.group("before") and re.search(r"last year|previous year", before, re.IGNORECASE):
        back = 2
    periods = sorted(p.name for p in funnel.programmes if p.name and re.search(r"\d", p.name))
    if len(periods) > back:
        return periods[-1 - back], ""
    said = m.group(0).strip() if m else "an earlier period"
    return None, f"it is about an earlier period ({said}) than the figures hold"


def check_text(
    text: str, funnel: Funnel, *, source: str = "", input_name: str = "", programme: str | None = None
) -> CheckResult:
    """Every claim in `text` with its verdict against `funnel`, and every number set aside."""
    found, ignored = find_claims(text, funnel)
    windows = _windows(text, found)
    result = CheckResult(source, input_name)
    spans = sentence_spans(text, body_start(text))
    own = own_names(text, funnel)
    for f, window in zip(found, windows, strict=True):
        why = elsewhere(text, f, ignored, spans, funnel, own)
        if why:
            result.claims.append(_checked(text, f, verdicts.Verdict(verdicts.NOT_CHECKABLE, reason=why)))
            continue
        pinned = programme
        if f.kind in (cl.RATE, cl.COUNT) and programme is None:
            earlier, why = past_period(text, f, funnel)
            if why:
                result.claims.append(_checked(text, f, verdicts.Verdict(verdicts.NOT_CHECKABLE, reason=why)))
                continue
            pinned = earlier or None
        about = last_count_stage(result.claims, f, spans) if f.kind == cl.CHANGE else None
        beside = count_beside(text, f, found) if f.kind == cl.RATE else None
        v = verdicts.check_finding(f, text, funnel, window, pinned, about, beside)
        result.claims.append(_checked(text, f, v))
    for f in ignored:
        result.ignored.append(Ignored(f.quote(text), f.quote_start, f.quote_end, f.expression.line, f.reason))
    return result


_BESIDE_BEFORE_RE = re.compile(r"\s*(?:,|;|\(|,?\s*or|–|-)\s*$")
_BESIDE_AFTER_RE = re.compile(r"\s*\(\s*$")


def count_beside(text: str, f: cl.Finding, found: list[cl.Finding]) -> int | None:
    """A count stated right beside a rate: "679 or 10%", "(1,770; 36%)", "61 per cent (3,704)"."""
    for g in found:
        if g.kind != cl.COUNT or g.expression.value is None or not float(g.expression.value).is_integer():
            continue
        if 0 <= f.quote_start - g.expression.end <= 6 and _BESIDE_BEFORE_RE.fullmatch(
            text[g.expression.end : f.quote_start]
        ):
            return int(g.expression.value)
        if 0 <= g.expression.start - f.quote_end <= 3 and _BESIDE_AFTER_RE.fullmatch(
            text[f.quote_end : g.expression.start]
        ):
            return int(g.expression.value)
    return None


def last_count_stage(done: list[CheckedClaim], f: cl.Finding, spans) -> str | None:
    """The stage of the count stated last before `f` in its sentence ("18,081 stops and searches
    under section 60 ..., an increase of 35%": the change is about section 60 searches)."""
    sentence = next(((s, e) for s, e in spans if s <= f.quote_start < e), None)
    for c in reversed(done):
        if sentence is None or c.start < sentence[0]:
            return None
        if c.kind == cl.COUNT and c.verdict.best is not None:
            return c.verdict.best.numerator[0]
    return None


def _checked(text: str, f: cl.Finding, v: verdicts.Verdict) -> CheckedClaim:
    return CheckedClaim(f.quote(text), f.quote_start, f.quote_end, f.expression.line, f.kind or "", v, f)


def claims_text(result: CheckResult) -> str:
    """The terminal listing: one claim a line, in text order, then the numbers set aside."""
    lines = [f"{result.source}: {len(result.claims)} claims, {len(result.ignored)} other numbers"]
    for c in result.claims:
        words = verdicts.VERDICT_WORDS[c.verdict.verdict]
        where = f" [{c.verdict.programme}]" if c.verdict.programme else ""
        lines.append(f"line {c.line}: \u201c{c.quote}\u201d  {c.kind}, {words}{where}")
        if c.definition:
            lines.append(f"    {c.definition}")
        for m in c.verdict.matches:
            if m.coincidental:
                lines.append(f"    coincidental: {m.text}")
    if result.ignored:
        lines.append("Not claims about the figures:")
        for i in result.ignored:
            lines.append(f"line {i.line}: \u201c{i.quote}\u201d  {i.reason}")
    return "\n".join(lines)
