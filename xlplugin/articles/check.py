"""Check a text: find, classify, tie to context and give verdicts; then JSON or terminal text.

Offsets (`start`, `end`) are Python string indices (Unicode code points) into the text as read,
end exclusive; `line` counts from 1. A text that starts with a header block of `key: value` lines
ended by a line `---` (as the collected articles do) is checked from after that line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xlplugin.articles import classify as cl
from xlplugin.articles import finder, verdicts
from xlplugin.articles.context import Window, sentence_spans
from xlplugin.articles.words import content_stems, stem
from xlplugin.core.funnel import Funnel

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
    found, ignored = [], []
    for expr in finder.find_expressions(text, body_start(text)):
        f = cl.classify(text, expr, vocab)
        if f is None:
            continue
        (found if f.kind else ignored).append(f)
    return found, ignored


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
    import bisect

    for f in findings:
        i = max(0, bisect.bisect_right(starts, f.expression.start) - 1)
        lo = spans[i - 1][0] if i > 0 else spans[i][0] if spans else 0
        hi = spans[i][1] if spans else len(text)
        chunk = text[lo:hi]
        counts = tuple(float(v) for pos, v in counts_at if lo <= pos < hi and pos != f.expression.start)
        out.append(Window(chunk, frozenset(content_stems(chunk)), counts))
    return out


def check_text(
    text: str, funnel: Funnel, *, source: str = "", input_name: str = "", programme: str | None = None
) -> CheckResult:
    """Every claim in `text` with its verdict against `funnel`, and every number set aside."""
    found, ignored = find_claims(text, funnel)
    windows = _windows(text, found)
    result = CheckResult(source, input_name)
    for f, window in zip(found, windows, strict=True):
        if f.kind == cl.RATE:
            v = verdicts.check_rate(f, funnel, window, programme)
        elif f.kind == cl.COUNT:
            v = verdicts.check_count(f, funnel, window, programme)
        elif f.kind == cl.CHANGE:
            v = verdicts.check_change(f, funnel, window, text)
        else:
            v = verdicts.check_ratio(f, funnel, window, programme)
        if programme is not None and v.programme is None:
            v = verdicts.Verdict(v.verdict, v.matches, v.nearest, programme)
        line = f.expression.line
        result.claims.append(CheckedClaim(f.quote(text), f.quote_start, f.quote_end, line, f.kind or "", v, f))
    for f in ignored:
        result.ignored.append(Ignored(f.quote(text), f.quote_start, f.quote_end, f.expression.line, f.reason))
    return result


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
