"""The claims table: each published claim, who made it, and the definitions that reproduce it."""

from __future__ import annotations

from fractions import Fraction

from xlplugin.core.claims import ClaimInterval, claim_matches, explain_claim, parse_claim
from xlplugin.core.funnel import Funnel, Programme
from xlplugin.report import ownership
from xlplugin.report.common import Context, count_text, lower_first, pct_text, split_long, unique_headers
from xlplugin.report.model import TEXT, WRAP, Cell, Line, Sheet, Table

# ------------------------------------------------------------------------------------------
# claims


def interval_text(c: ClaimInterval) -> str:
    """The proportions a claim covers, in words: "from 8.5% to 9.5%", "above 6% and up to 6.5%"."""

    def pc(v: Fraction) -> str:
        return f"{float(v * 100):.2f}".rstrip("0").rstrip(".") + "%"

    if c.low == c.high:
        return f"exactly {pc(c.low)}"
    if c.low == 0 and not c.low_open:
        return f"below {pc(c.high)}" if c.high_open else f"up to {pc(c.high)}"
    if c.high == 1 and not c.high_open:
        return f"above {pc(c.low)}" if c.low_open else f"at least {pc(c.low)}"
    if not c.low_open and not c.high_open:
        return f"from {pc(c.low)} to {pc(c.high)}"
    low = f"above {pc(c.low)}" if c.low_open else f"at least {pc(c.low)}"
    high = f"below {pc(c.high)}" if c.high_open else f"up to {pc(c.high)}"
    return f"{low} and {high}"


def _sum_text(p: Programme, names: tuple[str, ...]) -> str:
    counts = [count_text(p.stage(n).count.low) for n in names]
    return counts[0] if len(counts) == 1 else "(" + " + ".join(counts) + ")"


def _match_text(p: Programme, numerator, denominator, value, several: bool) -> str:
    den = p.stage(denominator)
    text = (
        f"{_sum_text(p, tuple(numerator))} of {count_text(den.count.low)} {lower_first(den.name)} ({pct_text(value)})"
    )
    return f"{p.name}: {text}" if several and p.name else text


def _programme_of(funnel: Funnel, name):
    for p in funnel.programmes:
        if p.name == name:
            return p
    return funnel.programmes[0]


def claims_sheet(ctx: Context) -> Sheet | None:
    spec = ctx.spec
    claims = tuple(getattr(spec, "claims", ()) or ())
    if not claims:
        return None
    several = ctx.several
    headers = unique_headers(
        [
            "Claim",
            "Made by",
            "What the claim means",
            "Stated definition",
            "Definitions that reproduce it",
            "Consistent with the figures",
            "Warning",
        ]
    )
    rows = []
    for c in claims:
        interval = parse_claim(c.text)
        matches = explain_claim(interval, ctx.funnel)
        stated = "Not stated"
        consistent = bool(matches)
        warning = "None"
        if c.numerator and c.denominator:
            wanted = list(c.numerator) + [c.denominator]
            p = next(
                (q for q in ctx.funnel.programmes if all(has_stage(q, s) for s in wanted)), ctx.funnel.programmes[0]
            )
            num = [p.stage(n).count for n in c.numerator]
            den = p.stage(c.denominator).count
            exact = all(x.is_exact for x in num) and den.is_exact and den.low > 0
            num_total = sum(x.low for x in num)
            value = Fraction(num_total, den.low) if exact else None
            stated = (
                _match_text(p, tuple(c.numerator), c.denominator, value, several)
                if exact
                else f"{' + '.join(c.numerator)} of {c.denominator}"
            )
            consistent = exact and claim_matches(interval, num_total, den.low)
            subset = all(p.is_subset(n, c.denominator) for n in c.numerator) and all(
                p.same_unit(n, c.denominator) for n in c.numerator
            )
            if not subset:
                warning = (
                    f"The stated numerator ({' + '.join(c.numerator)}) is not a subset of {c.denominator}: "
                    "the figure is not a proportion of them."
                )
            if not exact:
                warning = (
                    "The stated definition uses a suppressed, rounded or unavailable count: it cannot be checked "
                    "exactly."
                )
        else:
            if matches and not any(m.subset for m in matches):
                warning = (
                    "Only definitions whose numerator is not a subset of the denominator (or counts different "
                    "units) reproduce this claim."
                )
            elif matches and not all(m.subset for m in matches):
                warning = (
                    "Some of the definitions that reproduce it are not proportions (not a subset, or different units)."
                )
        shown = []
        for m in matches[:6]:
            p = _programme_of(ctx.funnel, m.programme)
            flag = "" if m.subset else (" — different units" if m.mixed_units else " — not a subset")
            shown.append(_match_text(p, m.numerator, m.denominator, m.value, several) + flag)
        if len(matches) > 6:
            shown.append(f"and {len(matches) - 6} more")
        rows.append(
            (
                Cell(c.text, TEXT),
                Cell(c.by or "Not stated", TEXT),
                Cell(interval_text(interval), TEXT),
                Cell(stated, WRAP),
                Cell("; ".join(shown) if shown else "None", WRAP),
                Cell("Yes" if consistent else "No", TEXT),
                Cell(warning, WRAP),
            )
        )
    lines = [
        Line(
            "Each published claim read at its stated precision: '9%' means from 8.5% to 9.5%; 'just over 6%' means "
            "above 6% and up to 6.5%."
        ),
        Line(
            "A claim is consistent when its stated definition, or when none is stated some definition, reproduces it."
        ),
        Line("Definitions are numerator of denominator; a numerator in brackets adds a stage outside the funnel."),
    ]
    lines = split_long(lines)
    top = 2 + len(lines)
    widths = (14, 20, 22, 30, 40, 13, 40)
    return Sheet(
        key="claims",
        name="Claims",
        title="Claims: do the published figures reproduce them?",
        description=(
            "Each claim made about these figures, who made it, and the numerator and denominator that reproduce it."
        ),
        lines=tuple(lines),
        table=Table(ownership.TABLE_NAMES["claims"], headers, tuple(rows), top, 0, widths),
        landscape=True,
    )


def has_stage(programme: Programme, stage: str) -> bool:
    try:
        programme.stage(stage)
    except KeyError:
        return False
    return True
