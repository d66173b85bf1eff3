"""The UPTAKE_* Excel functions: the core's rates, intervals and claims, as xlwings custom functions.

One module serves classic xlwings (Windows add-in, `UDF Modules = xlplugin.udfs`), xlwings Lite
and xlwings Server, so it uses only `func`, `arg` and `ret`, plain positional parameters, no
`caller`, no I/O. On Linux the decorators are no-ops and these are plain functions.

Every function returns a value or one of four Excel error literals ("#DIV/0!", "#NUM!",
"#VALUE!", "#N/A"), never raises and never returns NaN or infinity: xlwings Lite/Server show the literal as a real
error cell, classic xlwings as text (xlwings issue 776). The argument rules are in
`xlplugin.excel.args`. Where a funnel table has no number to show it uses the GSS shorthand:
`[z]` not applicable, `[c]` suppressed or rounded (no exact value), `[x]` not available.
"""

import functools
import logging
import math
import os
from typing import Annotated, Any

try:
    from xlwings import arg, ret  # noqa: F401  (ret: part of the documented surface)
    from xlwings import func as _xlwings_func
except ModuleNotFoundError as exc:  # the command line and the library work without it
    if exc.name != "xlwings":
        raise
    missing = ModuleNotFoundError(
        'the Excel functions (xlplugin.udfs) need xlwings, which is not installed: pip install "xlplugin[excel]"'
    )
    missing.name = "xlwings"
    raise missing from None

from xlplugin.core import cases, claims, intervals, rates
from xlplugin.core.counts import (
    CONFIDENTIAL_SYMBOL,
    NOT_APPLICABLE_SYMBOL,
    NOT_AVAILABLE_SYMBOL,
    UNAVAILABLE,
    parse_count,
    parse_rounding,
)
from xlplugin.core.errors import InputError
from xlplugin.core.funnel import Funnel, StageRecord, build_funnel
from xlplugin.excel import args as xa
from xlplugin.excel.args import DIV0, NA, NUM, VALUE, ExcelError, count, table

logger = logging.getLogger(__name__)

#: Where the functions are registered: classic xlwings' function category, and the help link
#: xlwings Lite and Server show in Excel.
CATEGORY = "xlplugin"
HELP_URL = "https://pypi.org/project/xlplugin/"


def _doc(text: str) -> dict[str, object]:
    """A parameter's metadata for xlwings: its help text in Excel, and error cells passed in as text
    (#N/A, #DIV/0!) rather than as a Python exception."""
    return {"doc": text, "err_to_str": True}


def func(f=None, **options):  # xlwings' func, with our category and help URL
    """`@func` / `@func(...)` as xlwings', registering every function in the xlplugin category."""
    options = {"category": CATEGORY, "help_url": HELP_URL, **options}
    return _xlwings_func(**options) if f is None else _xlwings_func(**options)(f)


def ranges(*names: str):
    """`@arg(name, ndim=2)` for each parameter named: xlwings hands it over as a list of rows (lists),
    whether it is one cell or a range."""

    def decorate(fn):
        for name in reversed(names):  # as the @arg lines would stack, the last applied first
            fn = arg(name, ndim=2)(fn)
        return fn

    return decorate


#: The ranges of a funnel given as columns: stage names, counts, bases and units.
FUNNEL_RANGES = ("stages", "counts", "bases", "units")

#: Classic xlwings (Windows COM add-in) rather than xlwings Lite/Server (Office.js).
CLASSIC = os.name == "nt" and os.environ.get("XLWINGS_ON_SERVER") != "true"

#: Set to 1 to let unexpected exceptions propagate (debugging); otherwise they become #VALUE!.
RAISE_ENV = "XLPLUGIN_UDF_RAISE"

NOT_APPLICABLE = NOT_APPLICABLE_SYMBOL
SUPPRESSED = CONFIDENTIAL_SYMBOL
NOT_AVAILABLE = NOT_AVAILABLE_SYMBOL

FUNNEL_HEADER = [
    "stage",
    "count",
    "base",
    "% of base",
    "CI lower",
    "CI upper",
    "% of first stage",
    "drop-off",
    "ratio to base (other units)",
    "ratio unit",
]
EXPLAIN_HEADER = ["numerator", "denominator", "rate", "numerator within denominator", "note", "verdict"]

_BASES_DOC = (
    "Optional column: the stage each stage is a subset of; blank means the stage above; none means outside the funnel."
)
_UNITS_DOC = "Optional column: what each stage counts (e.g. people, contacts); blank means not stated."

# Parameters several functions share, with their help text in Excel.
Numerators = Annotated[Any, _doc("Count of those who took up, e.g. 62; or a column of counts.")]
Denominators = Annotated[
    Any, _doc("Count they are a subset of, e.g. 669; a column of counts or one cell for all rows.")
]
Confidence = Annotated[Any, _doc("Confidence level between 0 and 1; default 0.95.")]
StageColumn = Annotated[Any, _doc("Column of stage names in funnel order.")]
CountColumn = Annotated[Any, _doc("Column of counts, one per stage.")]
BaseColumn = Annotated[Any, _doc(_BASES_DOC)]
UnitColumn = Annotated[Any, _doc(_UNITS_DOC)]


def _guard(fn):
    """Turn an unexpected exception into #VALUE! (logged); XLPLUGIN_UDF_RAISE=1 re-raises."""

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
            return xa.clip_strings(result) if CLASSIC else result  # xlwings issue 456
        except ExcelError as exc:
            return exc.literal
        except Exception:
            if os.environ.get(RAISE_ENV) == "1":
                raise
            logger.exception("%s failed", fn.__name__)
            return VALUE

    return guarded


def _finite(value: float):
    """A float for Excel, or #NUM! for NaN/inf (which Excel cannot hold)."""
    return value if math.isfinite(value) else NUM


# ------------------------------------------------------------------ element-wise helpers


def _rate_of(x, n):
    """x/n for one pair of Excel values, or an error literal."""
    try:
        x = count(x)
        n = count(n)
    except ExcelError as exc:
        return exc.literal
    if n == 0:
        return DIV0
    if x > n:
        return NUM
    return x / n


def _ci_of(x, n, level, method):
    """[lower, upper] for one pair of Excel values, or the same error literal twice."""
    try:
        x = count(x)
        n = count(n)
    except ExcelError as exc:
        return [exc.literal, exc.literal]
    if n == 0:
        return [DIV0, DIV0]
    if x > n:
        return [NUM, NUM]
    lower, upper = intervals.proportion_ci(x, n, level, method)
    return [_finite(lower), _finite(upper)]


def _limits_of(target, n, level, method):
    try:
        n = count(n)
    except ExcelError as exc:
        return [exc.literal, exc.literal]
    if n == 0:
        return [DIV0, DIV0]
    lower, upper = intervals.funnel_limits(target, n, level, method)
    return [_finite(lower), _finite(upper)]


def _pick(rows: list[list], r: int, c: int):
    """Excel's broadcasting: a size-1 dimension repeats; beyond a range's edge is #N/A."""
    if len(rows) == 1:
        r = 0
    if len(rows[0]) == 1:
        c = 0
    if r >= len(rows) or c >= len(rows[0]):
        return _MISSING
    return rows[r][c]


_MISSING = object()


def _rate_column_fast(nums: list[list], dens: list[list]) -> list[list]:
    """Equal-length columns: the hot path for a 100,000-row spill, with count() inlined for the
    common cases (whole, non-negative, at most 10**15 = excel_args.MAX_COUNT); the rest go to _rate_of."""
    out: list[list[object]] = []
    append = out.append
    for (x,), (n,) in zip(nums, dens, strict=False):
        tx, tn = type(x), type(n)
        if tx is float and tn is float:
            if 0.0 <= x <= n <= 1e15 and n and x.is_integer() and n.is_integer():
                append([x / n])
                continue
        elif tx is int and tn is int and 0 <= x <= n <= 10**15 and n:
            append([x / n])
            continue
        append([_rate_of(x, n)])
    return out


def _broadcast_rows(a: list[list], b: list[list]) -> list[tuple]:
    """Pairs of values from two one-column ranges (or single cells), Excel-broadcast by row."""
    if len(a[0]) != 1 or len(b[0]) != 1:
        raise ExcelError(VALUE, "give single columns (or single cells)")
    rows = max(len(a), len(b))
    return [(_pick(a, r, 0), _pick(b, r, 0)) for r in range(rows)]


def _without_empty_tail(nums: list[list], dens: list[list]) -> tuple[list[list], list[list]]:
    """Two count columns of several rows without the trailing rows where both are 0 or blank
    (a range grown past the data, as Office.js may send it: see xlplugin.excel.args)."""
    if len(nums) > 1 and len(dens) > 1 and len(nums[0]) == len(dens[0]) == 1:
        a, b = xa.drop_empty_tail([r[0] for r in nums], [r[0] for r in dens])
        if a:
            return [[v] for v in a], [[v] for v in b]
    return nums, dens


# ------------------------------------------------------------------ the functions


@func
@ranges("numerator", "denominator")
@_guard
def UPTAKE_RATE(
    numerator: Numerators,
    denominator: Denominators,
):
    """The proportion numerator/denominator (0 to 1). Columns broadcast row by row and spill; a bad row errs alone."""
    nums, dens = _without_empty_tail(table(numerator), table(denominator))
    if len(nums) == len(dens) == 1 and len(nums[0]) == len(dens[0]) == 1:
        return _rate_of(nums[0][0], dens[0][0])
    if len(nums[0]) == len(dens[0]) == 1:  # columns (or a column and one cell): the hot path
        if len(dens) == 1:
            dens = dens * len(nums)
        elif len(nums) == 1:
            nums = nums * len(dens)
        if len(nums) == len(dens):
            return _rate_column_fast(nums, dens)
    rows = max(len(nums), len(dens))
    cols = max(len(nums[0]), len(dens[0]))
    out = []
    for r in range(rows):
        line = []
        for c in range(cols):
            x, n = _pick(nums, r, c), _pick(dens, r, c)
            line.append(NA if x is _MISSING or n is _MISSING else _rate_of(x, n))
        out.append(line)
    return out


@func
@ranges("numerator", "denominator")
@_guard
def UPTAKE_CI(
    numerator: Numerators,
    denominator: Denominators,
    confidence: Confidence = 0.95,
    method: Annotated[
        Any, _doc("wilson (default), wilson_cc, exact (Clopper-Pearson), jeffreys, agresti_coull or wald.")
    ] = "wilson",
):
    """Confidence interval {lower, upper} for numerator/denominator; a column of counts spills one row per count."""
    level = xa.confidence(confidence)
    how = xa.choice(method, intervals.METHODS, "wilson", intervals.ALIASES)
    nums, dens = _without_empty_tail(table(numerator), table(denominator))
    pairs = _broadcast_rows(nums, dens)
    out = [[NA, NA] if x is _MISSING or n is _MISSING else _ci_of(x, n, level, how) for x, n in pairs]
    return out


def _read_funnel(stages, counts, bases=None, units=None):
    """A one-programme funnel from Excel columns, or ExcelError (#NUM! for bad counts)."""
    return _read_programmes(stages, counts, bases, units).programmes[0]


def _read_programmes(stages, counts, bases=None, units=None, programmes=None) -> Funnel:
    """A funnel from Excel columns, with an optional programme (or period) column."""
    names = xa.text_cells(xa.column(stages))
    values = xa.column(counts)
    shorter = min(len(names), len(values))
    # Office.js may send a grown range's empty cells as 0: rows with neither a stage nor a count go
    names, values = xa.drop_empty_tail(names, values)
    if len(names) > shorter:
        raise ExcelError(VALUE, "stages and counts must have the same number of rows")
    if not names:
        raise ExcelError(NA, "the stages are empty")
    base_values = xa.optional_column(bases, len(names), text=True)
    unit_values = xa.optional_column(units, len(names), text=True)
    programme_values = xa.optional_column(programmes, len(names), text=True)
    records = []
    for i, (name, value) in enumerate(zip(names, values, strict=False)):
        stage = _label_text(name, "stage name")
        published = xa.published_count_value(value)
        try:
            parse_count(published)
        except ValueError as exc:
            raise ExcelError(VALUE, str(exc)) from None
        base = _label_text(base_values[i], "base", required=False) if base_values else None
        unit = _label_text(unit_values[i], "unit", required=False) if unit_values else None
        programme = _label_text(programme_values[i], "programme", required=False) if programme_values else None
        records.append(StageRecord(stage=stage, count=published, base=base, unit=unit, programme=programme, line=i + 1))
    try:
        return build_funnel(records)
    except InputError as exc:
        literal = NUM if all(p.column == "count" for p in exc.problems) else VALUE
        raise ExcelError(literal, str(exc)) from None


def _label_text(value, what: str, required: bool = True) -> str | None:
    """Stage names, bases and units: text, or a whole number used as a name (e.g. 2020)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ExcelError(NA, f"a {what} is empty")
        return None
    if isinstance(value, bool):
        raise ExcelError(VALUE, f"TRUE/FALSE is not a {what}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return xa.text(value, what)
    raise ExcelError(VALUE, f"a {what} must be text")


def _cell(value, why_missing: str):
    if value is None:
        return why_missing
    return _finite(value) if isinstance(value, float) else value


def _funnel_row(row: rates.StageRate, stage, first) -> list:
    """One table row. No number: [z] not applicable, [c] suppressed/rounded, [x] not available."""
    return _funnel_cells(row, stage, first) + _ratio_cells(row)


def _ratio_cells(row: rates.StageRate) -> list:
    """A rate between different units (156 contacts per 669 people) as a number and its unit."""
    if rates.MIXED_UNITS not in row.flags:
        return [NOT_APPLICABLE, ""]
    unit = f"{row.unit} per {rates.singular(row.base_unit or '')}"
    return [SUPPRESSED if row.rate is None else _finite(row.rate), unit]


def _funnel_cells(row: rates.StageRate, stage, first) -> list:
    flags = row.flags
    count_cell = row.count if row.count is not None else str(stage.count)
    if rates.FIRST_STAGE in flags:
        return [row.stage, count_cell, "", *[NOT_APPLICABLE] * 5]
    if rates.OUTSIDE_FUNNEL in flags:
        return [row.stage, count_cell, "none", *[NOT_APPLICABLE] * 5]
    inexact = [c for c in (stage.count, row.base_count) if c is not None and c.kind != "exact"]
    gap = (NOT_AVAILABLE if any(c.kind == UNAVAILABLE for c in inexact) else SUPPRESSED) if inexact else NOT_APPLICABLE
    first_inexact = [c for c in (stage.count, first.count) if c.kind != "exact"]
    first_gap = (
        (NOT_AVAILABLE if any(c.kind == UNAVAILABLE for c in first_inexact) else SUPPRESSED)
        if first_inexact
        else NOT_APPLICABLE  # not nested in the first stage, or in other units
    )
    if rates.MIXED_UNITS in flags:  # not a proportion: the ratio has columns of its own
        return [
            row.stage,
            count_cell,
            row.base,
            NOT_APPLICABLE,
            NOT_APPLICABLE,
            NOT_APPLICABLE,
            _cell(row.rate_of_first, first_gap),
            NOT_APPLICABLE,
        ]
    return [
        row.stage,
        count_cell,
        row.base,
        _cell(row.rate, gap),
        _cell(row.ci_lower, gap),
        _cell(row.ci_upper, gap),
        _cell(row.rate_of_first, first_gap),
        _cell(row.drop_off, gap),
    ]


@func
@ranges(*FUNNEL_RANGES)
@_guard
def UPTAKE_FUNNEL(
    stages: Annotated[Any, _doc("Column of stage names in funnel order, e.g. Identified, Visited, Interested.")],
    counts: Annotated[
        Any, _doc("Column of counts, one per stage; 1,000 and suppressed markers such as <5 or [c] are read.")
    ],
    bases: BaseColumn = None,
    units: UnitColumn = None,
):
    """Funnel table with a header row: stage, count, base, % of base, CI lower, CI upper, % of first stage, drop-off."""
    programme = _read_funnel(stages, counts, bases, units)
    rows = rates.funnel_rates(programme)
    first = programme.first
    return [list(FUNNEL_HEADER)] + [_funnel_row(r, s, first) for r, s in zip(rows, programme.stages, strict=False)]


@func
@_guard
def UPTAKE_CLAIM(
    claim: Annotated[Any, _doc("The claim as published, e.g. 9%, just over 6%, one in 16, 12 per cent.")],
    numerator: Annotated[Any, _doc("Count of those who took up, e.g. 62 (or <5, [c]).")],
    denominator: Annotated[Any, _doc("Count they are a subset of, e.g. 669.")],
):
    """TRUE if numerator/denominator reproduces the claim at its precision for every count allowed, else FALSE."""
    claim_text = xa.text(claim, "claim")
    try:
        x, n = count(numerator), count(denominator)
    except ExcelError:
        return _claim_of_published(claim_text, numerator, denominator)
    if n == 0:
        return DIV0
    if x > n:
        return NUM
    interval = _rate_claim(claim_text)
    if interval is None:
        return VALUE
    return bool(claims.claim_matches(interval, x, n))


def _rate_claim(text: str) -> claims.Claim | None:
    """The claim, if it is one about a rate; None if it cannot be read or is about a count, a change
    or a ratio (not a claim about one pair: #VALUE!)."""
    try:
        interval = claims.parse_claim(text)
    except ValueError:
        return None
    return interval if interval.kind == claims.RATE else None


def _claim_of_published(claim_text: str, numerator, denominator):
    """UPTAKE_CLAIM for published counts such as <5 or [c]: TRUE only if every count they allow
    reproduces the claim."""
    num, den = _published(numerator, None), _published(denominator, None)
    if den.high is not None and den.high == 0:
        return DIV0
    if den.high is not None and num.low > den.high:
        return NUM
    interval = _rate_claim(claim_text)
    if interval is None:
        return VALUE
    return claims.claim_holds(interval, num, den) == claims.REPRODUCED


@func
@ranges(*FUNNEL_RANGES)
@_guard
def UPTAKE_EXPLAIN(
    claim: Annotated[Any, _doc("The claim as published, e.g. 9% or just over 6%.")],
    stages: StageColumn,
    counts: CountColumn,
    bases: BaseColumn = None,
    units: UnitColumn = None,
):
    """Definitions that reproduce the claim, with a verdict each; flags numerators not in the denominator."""
    claim_text = xa.text(claim, "claim")
    programme = _read_funnel(stages, counts, bases, units)
    interval = _rate_claim(claim_text)
    if interval is None:
        return VALUE
    matches = claims.check_claim(interval, Funnel((programme,))).matches
    if not matches:
        return NA
    out: list[list[object]] = [list(EXPLAIN_HEADER)]
    for m in matches:
        note = []
        if m.complement:
            note.append(f"complement: {m.words}")
        if m.mixed_units:
            num_unit = programme.stage(m.numerator[0]).unit
            den_unit = programme.stage(m.denominator).unit if m.denominator else ""
            note.append(f"mixed units ({num_unit} per {den_unit}): a ratio, not a proportion")
        elif not m.subset:
            note.append("numerator not a subset of the denominator")
        if not m.certain:
            note.append("only some of the counts allowed give it")
        numerator = " + ".join(m.numerator)
        if m.complement:
            numerator = f"{m.denominator} − {numerator}"
        value = SUPPRESSED if m.value is None else _finite(float(m.value))
        verdict = (
            claims.REPRODUCED if m.valid and m.certain else claims.POSSIBLE if m.valid else claims.REPRODUCED_INVALID
        )
        out.append([numerator, m.denominator, value, bool(m.subset), "; ".join(note), verdict])
    return out


@func
@ranges(*FUNNEL_RANGES, "programme")
@_guard
def UPTAKE_VERDICT(
    claim: Annotated[Any, _doc("The claim as published: 9%, just 6%, 62 people, rose by 48.5%.")],
    stages: StageColumn,
    counts: Annotated[Any, _doc("Column of counts, one per stage; <5, [c] and 1,000 are read.")],
    bases: BaseColumn = None,
    units: UnitColumn = None,
    programme: Annotated[
        Any, _doc("Optional column: the programme or year of each stage (a change compares the last two).")
    ] = None,
):
    """The claim's verdict: reproduced, possible, reproduced_invalid, not_reproduced or not_checkable."""
    claim_text = xa.text(claim, "claim")
    funnel = _read_programmes(stages, counts, bases, units, programme)
    try:
        parsed = claims.parse_claim(claim_text)
    except ValueError:
        return VALUE
    return claims.check_claim(parsed, funnel).verdict


@func
@_guard
def UPTAKE_BOUNDS(
    numerator: Annotated[Any, _doc("Count as published: a number, <5, * or [c] (suppressed), or a rounded count.")],
    denominator: Annotated[Any, _doc("Count as published that the numerator is a subset of.")],
    confidence: Confidence = 0.95,
    rounding: Annotated[
        Any, _doc("Optional: counts were rounded to the nearest N (e.g. 5 or nearest10); blank means exact.")
    ] = None,
):
    """For suppressed or rounded counts: {rate low, rate high, CI envelope low, CI envelope high}."""
    level = xa.confidence(confidence)
    step = _rounding(rounding)
    num = _published(numerator, step)
    den = _published(denominator, step)
    if den.high is not None and den.high == 0:
        return DIV0
    if den.high is not None and num.low > den.high:
        return NUM
    rr = rates.rate_range(num, den, level, "wilson")
    values = [rr.rate_low, rr.rate_high, rr.ci_lower, rr.ci_upper]
    if any(v is None for v in values):
        return DIV0
    return [[_finite(v) for v in values]]


def _rounding(value):
    if value is None or (isinstance(value, str) and not value.strip()) or value == 0:
        return None  # omitted; Office.js may send 0 for an empty cell
    if isinstance(value, bool):
        raise ExcelError(VALUE, "rounding must be a whole number or nearestN")
    if isinstance(value, str) and value.strip().upper() in xa.EXCEL_ERRORS:
        raise xa.passed_error(value)
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0 or value != int(value):
            raise ExcelError(NUM, "rounding must be a whole number of at least 1")
        if value > 10**9:
            raise ExcelError(NUM, "rounding is too large")
    try:
        return parse_rounding(value if isinstance(value, (int, float, str)) else None)
    except ValueError:
        raise ExcelError(VALUE, "rounding must be a whole number or nearestN") from None


def _published(value, step):
    published = xa.published_count_value(value)
    try:
        return parse_count(published, step)
    except ValueError as exc:
        raise ExcelError(VALUE, str(exc)) from None


@func
@_guard
def UPTAKE_COMPARE(
    numerator1: Annotated[Any, _doc("First group: count of those who took up.")],
    denominator1: Annotated[Any, _doc("First group: count they are a subset of.")],
    numerator2: Annotated[Any, _doc("Second group: count of those who took up.")],
    denominator2: Annotated[Any, _doc("Second group: count they are a subset of.")],
    confidence: Confidence = 0.95,
):
    """Difference of two independent rates with Newcombe's hybrid score interval: {difference, lower, upper}."""
    level = xa.confidence(confidence)
    x1, n1, x2, n2 = count(numerator1), count(denominator1), count(numerator2), count(denominator2)
    if n1 == 0 or n2 == 0:
        return DIV0
    if x1 > n1 or x2 > n2:
        return NUM
    difference, lower, upper = intervals.diff_ci_newcombe(x1, n1, x2, n2, level)
    return [[_finite(difference), _finite(lower), _finite(upper)]]


@func
@ranges("denominator")
@_guard
def UPTAKE_LIMITS(
    target: Annotated[Any, _doc("Target rate between 0 and 1 (e.g. 0.09 or 9%), usually the overall rate.")],
    denominator: Annotated[Any, _doc("Denominator the limits are for; a column of denominators spills one row each.")],
    confidence: Annotated[
        Any, _doc("Confidence level between 0 and 1; default 0.95 (0.998 for the outer funnel).")
    ] = 0.95,
    method: Annotated[
        Any, _doc("normal (default: target +/- z*sqrt(target(1-target)/n)) or exact (binomial, Spiegelhalter).")
    ] = "normal",
):
    """Funnel-plot control limits {lower, upper} around a target rate for a denominator (Spiegelhalter 2005)."""
    rate = xa.proportion(target)
    level = xa.confidence(confidence)
    how = xa.choice(method, intervals.FUNNEL_METHODS, "normal")
    dens = table(denominator)
    if len(dens[0]) != 1:
        raise ExcelError(VALUE, "give a single column of denominators")
    return [_limits_of(rate, n, level, how) for (n,) in dens]


# ------------------------------------------------------------------ case records


@func
@ranges("stage_columns")
@_guard
def UPTAKE_CASES(
    stage_columns: Annotated[
        Any,
        _doc(
            "Case rows, one column per stage in funnel order (a header row may name them); "
            "a stage is reached by 1, yes, TRUE, Y, x or a date."
        ),
    ],
    ordered: Annotated[
        Any, _doc("TRUE: a stage counts only after every earlier one, not dated before it. Default FALSE.")
    ] = False,
):
    """Funnel from case rows: {count, base} per stage, for UPTAKE_FUNNEL (blank base: the stage above)."""
    rows = table(stage_columns)
    header = None
    first = rows[0]
    if all(isinstance(v, str) and v.strip() for v in first) and all(
        cases.classify(v)[0] == cases.UNPARSEABLE for v in first
    ):
        header, rows = [v.strip() for v in first], rows[1:]
    width = len(first)
    names = header or [f"stage {k}" for k in range(1, width + 1)]
    if ordered is None or (isinstance(ordered, str) and not ordered.strip()):
        ordered = False
    if isinstance(ordered, str) and ordered.strip().upper() in ("TRUE", "FALSE"):
        ordered = ordered.strip().upper() == "TRUE"
    if isinstance(ordered, int | float) and not isinstance(ordered, bool) and ordered in (0, 1):
        ordered = bool(ordered)
    if not isinstance(ordered, bool):
        raise ExcelError(VALUE, "ordered must be TRUE or FALSE")
    cells = [[xa.stage_cell(v) for v in row] for row in rows]
    if any(cases.classify(v)[0] == cases.UNPARSEABLE for row in cells for v in row):
        raise ExcelError(VALUE, "a stage cell is neither a flag (1, yes, TRUE, Y, x; 0, no, FALSE, N) nor a date")
    query = cases.CaseQuery(columns=tuple(names), ordered=ordered)
    if not cells:
        return [[0, ""] for _ in names]
    (group,) = cases.count_cases(cells, query)
    records = cases.funnel_records([group], query)
    return [[group.counted[i], r.base or ""] for i, r in enumerate(records)]


CHECK_HEADER = ["quote", "kind", "verdict", "definition", "value"]


def _article_text(value) -> str:
    """One cell's text, or a range of cells read as paragraphs (one a line)."""
    if isinstance(value, (list, tuple)):
        cells = [c for row in table(value) for c in row if not xa.is_blank(c)]
        if not cells:
            raise ExcelError(NA, "the text is empty")
        return "\n".join(xa.text(c, "text") for c in cells)
    return xa.text(value, "text")


@func
@ranges(*FUNNEL_RANGES)
@_guard
def UPTAKE_CHECK(
    article: Annotated[Any, _doc("Text of an article, press release or answer (a cell, or a column of paragraphs).")],
    stages: StageColumn,
    counts: CountColumn,
    bases: Annotated[
        Any, _doc("Optional column: the stage each is a subset of; blank: the stage above; none: outside the funnel.")
    ] = None,
    units: Annotated[Any, _doc("Optional column: what each stage counts (people, contacts...).")] = None,
):
    """Every figure the text states about the funnel, one row each: quote, kind, verdict, definition, value."""
    from xlplugin.articles.check import check_text  # pure Python: the finder, classifier and verdicts

    body = _article_text(article)
    programme = _read_funnel(stages, counts, bases, units)
    result = check_text(body, Funnel((programme,)))
    if not result.claims:
        return NA
    out = [list(CHECK_HEADER)]
    for c in result.claims:
        best = c.verdict.best
        value = _finite(best.value) if best is not None else NOT_AVAILABLE
        out.append([c.quote, c.kind, c.verdict.verdict, c.definition or NOT_AVAILABLE, value])
    return out
