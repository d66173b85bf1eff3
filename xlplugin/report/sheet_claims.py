"""The claims table: each published claim, who made it, the definitions that give it, and its verdict in words."""

from __future__ import annotations

from fractions import Fraction

from xlplugin.core import claims as core
from xlplugin.core.claims import Claim, ClaimMatch, Verdict, check_claim, parse_claim, verdict_words
from xlplugin.core.counts import EXACT, ROUNDED
from xlplugin.core.funnel import Funnel, Programme
from xlplugin.report.common import Context, lower_first, pct_text, split_long, table_sheet, unique_headers
from xlplugin.report.model import TEXT, WRAP, Cell, Line, Sheet

#: How many reproducing definitions a cell lists before "and N more".
SHOWN = 6


def interval_text(c: Claim) -> str:
    """What a claim covers, in words: "from 8.5% to 9.5%", "above 6% and up to 6.5%"."""
    if c.kind == core.RATE:

        def show(v: Fraction) -> str:
            return f"{float(v * 100):.2f}".rstrip("0").rstrip(".") + "%"

    elif c.kind == core.CHANGE and not c.points and c.form != "parts":

        def show(v: Fraction) -> str:
            return f"{float(v * 100):+.2f}".rstrip("0").rstrip(".") + "%"

    elif c.kind == core.CHANGE:

        def show(v: Fraction) -> str:
            return f"{float(v * 100):+.2f}".rstrip("0").rstrip(".") + " points"

    else:

        def show(v: Fraction) -> str:
            return f"{float(v):,.2f}".rstrip("0").rstrip(".")

    what = {core.RATE: "", core.COUNT: "a count ", core.CHANGE: "a change ", core.RATIO: "a multiple "}[c.kind]
    if c.parts:
        return f"{what}from {interval_text(c.parts[0])} to {interval_text(c.parts[1])}"
    top = 1 if c.kind == core.RATE else None
    if c.high is not None and c.low == c.high:
        return f"{what}of exactly {show(c.low)}" if what else f"exactly {show(c.low)}"
    if c.low == 0 and not c.low_open and c.high is not None and c.kind != core.CHANGE:
        return what + (f"below {show(c.high)}" if c.high_open else f"up to {show(c.high)}")
    if c.high == top or c.high is None:
        return what + (f"above {show(c.low)}" if c.low_open else f"at least {show(c.low)}")
    if not c.low_open and not c.high_open:
        return what + f"from {show(c.low)} to {show(c.high)}"
    low = f"above {show(c.low)}" if c.low_open else f"at least {show(c.low)}"
    high = f"below {show(c.high)}" if c.high_open else f"up to {show(c.high)}"
    return what + f"{low} and {high}"


def _published(p: Programme, name: str) -> str:
    """A stage's count as published: 1,000, <5, 84,000 (rounded)."""
    count = p.stage(name).count
    if count.kind == EXACT:
        return f"{count.low:,}"
    if count.kind == ROUNDED:
        digits = "".join(ch for ch in count.text if ch.isdigit())
        return f"{int(digits):,}" if digits else count.text
    return count.text or "?"


def _value_text(m: ClaimMatch) -> str:
    if m.value is not None and m.value_low == m.value_high:
        return pct_text(m.value)
    low = pct_text(m.value_low) if m.value_low is not None else "?"
    high = pct_text(m.value_high) if m.value_high is not None else "no limit"
    return f"{low} to {high}"


def _definition_text(p: Programme, numerator, denominator: str, value_text: str, complement: bool) -> str:
    nums = [_published(p, n) for n in numerator]
    num = nums[0] if len(nums) == 1 else "(" + " + ".join(nums) + ")"
    den = _published(p, denominator)
    if complement:
        return f"{lower_first(denominator)} without {lower_first(numerator[0])}: {den} less {num} ({value_text})"
    return f"{num} of {den} {lower_first(denominator)} ({value_text})"


def _match_text(funnel: Funnel, m: ClaimMatch, several: bool) -> str:
    p = next((q for q in funnel.programmes if q.name == m.programme), funnel.programmes[0])
    if m.from_programme is not None and m.denominator is None:
        text = f"{m.numerator[0]} from {m.from_programme} to {m.to_programme}"
        if m.value is not None:
            text += f" ({float(m.value * 100):+.1f}%)"
    elif m.from_programme is not None:
        text = f"{' + '.join(m.numerator)} of {m.denominator}, {m.from_programme} to {m.to_programme}"
    elif m.denominator is None:
        text = f"{m.numerator[0]}: {_published(p, m.numerator[0])}"
    else:
        text = _definition_text(p, m.numerator, m.denominator, _value_text(m), m.complement)
        if several and p.name:
            text = f"{p.name}: {text}"
    if m.mixed_units:
        text += " — different units"
    elif not m.subset:
        text += " — not a subset"
    if not m.certain:
        text += " — only for some of the counts allowed"
    return text


def _stated_verdict(claim: Claim, funnel: Funnel, p: Programme, numerator, denominator: str) -> Verdict:
    """The verdict on the definition the claim's author says they used, and only that one."""
    found = check_claim(claim, p)
    wanted = [m for m in found.matches if (m.numerator, m.denominator, m.complement) == (numerator, denominator, False)]
    if not wanted and claim.negated:
        wanted = [m for m in found.matches if (m.numerator, m.denominator) == (numerator, denominator)]
    if wanted:
        m = wanted[0]
        verdict = core.REPRODUCED if m.valid and m.certain else core.POSSIBLE if m.valid else core.REPRODUCED_INVALID
        return Verdict(claim, verdict, (m,), (), p.name, (p.name,))
    nums = [core._nominal(p.stage(n).count) for n in numerator]
    den = core._nominal(p.stage(denominator).count)
    nearest: tuple[core.Nearest, ...] = ()
    if den and all(n is not None for n in nums):
        value = Fraction(sum(n for n in nums if n is not None), den)
        nearest = (core.Nearest(p.name, tuple(numerator), denominator, value, claim.reads_as(value)),)
    return Verdict(claim, core.NOT_REPRODUCED, (), nearest, p.name)


def _verdict_for(c, ctx: Context) -> tuple[Verdict, Funnel, str]:
    """(verdict, the programmes it was judged on, the stated definition in words)."""
    claim = parse_claim(c.text)
    funnel = ctx.funnel
    if c.numerator and c.denominator and claim.kind == core.RATE:
        wanted = list(c.numerator) + [c.denominator]
        candidates = [q for q in funnel.programmes if all(q.has_stage(s) for s in wanted)]
        if c.programme is not None:
            candidates = [q for q in candidates if q.name == c.programme] or candidates
        p = candidates[0] if candidates else funnel.programmes[0]
        verdict = _stated_verdict(claim, funnel, p, tuple(c.numerator), c.denominator)
        value = verdict.matches[0] if verdict.matches else None
        shown = _value_text(value) if value else (pct_text(verdict.nearest[0].value) if verdict.nearest else "?")
        stated = _definition_text(p, tuple(c.numerator), c.denominator, shown, False)
        if ctx.several and p.name:
            stated = f"{p.name}: {stated}"
        return verdict, Funnel((p,), funnel.source), stated
    verdict = check_claim(claim, funnel, c.programme, from_programme=c.from_programme, to_programme=c.to_programme)
    stated = "Not stated"
    if c.programme is not None:
        stated = f"Not stated (about {c.programme})"
    return verdict, funnel, stated


def claims_sheet(ctx: Context) -> Sheet | None:
    spec = ctx.spec
    claims = tuple(getattr(spec, "claims", ()) or ())
    if not claims:
        return None
    headers = unique_headers(
        [
            "Claim",
            "Made by",
            "What the claim means",
            "Stated definition",
            "Definitions that give it",
            "Verdict",
            "Warning",
        ]
    )
    rows = []
    for c in claims:
        verdict, judged_on, stated = _verdict_for(c, ctx)
        matches = verdict.matches
        warning = "None"
        if verdict.verdict in (core.REPRODUCED, core.POSSIBLE) and any(not m.valid for m in matches):
            warning = "Some of the definitions that give it are not proportions (not a subset, or different units)."
        if any(not m.certain for m in matches):
            extra = "Some counts are rounded or suppressed: a value is a range over the counts the figures allow."
            warning = extra if warning == "None" else f"{warning} {extra}"
        shown = [_match_text(ctx.funnel, m, ctx.several) for m in matches[:SHOWN]]
        if len(matches) > SHOWN:
            shown.append(f"and {len(matches) - SHOWN} more")
        rows.append(
            (
                Cell(c.text, TEXT),
                Cell(c.by or "Not stated", TEXT),
                Cell(interval_text(verdict.claim), TEXT),
                Cell(stated, WRAP),
                Cell("; ".join(shown) if shown else "None", WRAP),
                Cell(verdict_words(verdict, judged_on), WRAP),
                Cell(warning, WRAP),
            )
        )
    lines = [
        Line(
            "Each published claim read at its stated precision: '9%' means from 8.5% to 9.5%; "
            "'just over 6%' means above 6% and up to 6.5%."
        ),
        Line(
            "Verdict: Reproduced (a numerator within its denominator, in the same units, gives it for every count "
            "the figures allow); Possible (for some of those counts); Reproduced only by an invalid definition; "
            "Not reproduced (with the nearest definitions); Not checkable."
        ),
        Line(
            "A claim with a stated definition is judged on that definition. Definitions are numerator of "
            "denominator; a numerator in brackets adds a stage outside the funnel."
        ),
    ]
    title = "Claims: do the published figures reproduce them?"
    about = "Each claim made about these figures, who made it, the definitions that give it, and its verdict."
    widths = (14, 20, 22, 30, 40, 30, 40)
    return table_sheet("claims", "Claims", title, about, split_long(lines), headers, rows, widths)
