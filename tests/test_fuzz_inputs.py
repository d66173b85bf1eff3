"""Property tests over whole pipelines: any input gives a result or a clean refusal, never a crash.

The module tests already fuzz their own pieces (csvinput on arbitrary bytes, parse_claim on
arbitrary text, each UPTAKE_* function on arbitrary Excel values). These go one level up, where
pieces meet: funnel-shaped CSVs built from hostile tokens through `xlplugin rates/claim` (the
CLI's `main`, whose exit 1 means "internal error"), TOML-shaped specs through `load_spec`,
claim-shaped text through `explain_claim` on random funnels, and the Excel functions on hostile
strings, huge numbers and ragged ranges.
"""

from __future__ import annotations

import contextlib
import io
import math
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from udf_helpers import FIRST_EIGHT, raising, walk

from xlplugin import cli
from xlplugin.core import intervals
from xlplugin.core.claims import ClaimError, explain_claim, parse_claim
from xlplugin.core.errors import InputError
from xlplugin.core.funnel import StageRecord, build_funnel
from xlplugin.excel import functions as udfs
from xlplugin.inputs.spec import load_spec

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

HOSTILE_TEXT = [
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\uff1d1",
    "#N/A",
    "#REF!",
    "",
    " ",
    "\t",
    '"',
    '""',
    ",",
    ";",
    "\n",
    "\r",
    "\u202e",
    "\ufeff",
    "\x00",
    "\x1b",
    "\ufffe",
    "é",
    "Ünïcødé",
    "a" * 300,
    "none",
    "None",
    "[c]",
    "[x]",
    "[z]",
    "*",
    "<5",
    "~",
    "c",
    "0",
    "-0",
    "1e308",
    "999999999999999999999999",
    "1,000",
    "1.000",
    "669,0",
    "NaN",
    "inf",
    "-1",
    "3.5",
    "٣",
    "９",
]
COUNT_TEXT = [
    "0",
    "1",
    "4",
    "5",
    "20",
    "62",
    "156",
    "669",
    "1000",
    "1,000",
    "1.000",
    "669,0",
    "<5",
    "*",
    "[c]",
    "[x]",
    "c",
    "~",
    "",
    "-3",
    "3.5",
    "1e3",
    "99999999999999999999",
    "0.0",
    "12",
    "~100",
    "nearest 5",
    "<10",
    "10-14",
    ">1000",
    "NaN",
    "inf",
]
STAGE_NAMES = [
    "Identified",
    "Visited",
    "Engaged",
    "Interested",
    "Contacted",
    "=1+1",
    "#N/A",
    "none",
    "visited",
    "VISITED",
    " Visited ",
    "Stage,with,commas",
    'He said "hi"',
    "\uff1dx",
    "a" * 200,
]
UNITS = ["people", "contacts", "", "=people", "People", "households"]


@st.composite
def funnel_csvs(draw) -> bytes:
    """Mostly coherent funnels (unique stages, bases naming earlier ones) with hostile text and a
    sprinkling of broken cells, so that both outcomes (a table, a refusal) are exercised."""
    optional = draw(st.lists(st.sampled_from(["base", "unit", "note", "programme", "rounding"]), unique=True))
    header = draw(st.permutations(["stage", "count", *optional]))
    broken = draw(st.integers(0, 9)) == 0  # one file in ten may hold anything anywhere
    names = draw(
        st.lists(
            st.sampled_from(STAGE_NAMES + HOSTILE_TEXT[:6]),
            min_size=1,
            max_size=7,
            unique_by=lambda n: n.strip().lower(),
        )
    )
    count = draw(st.integers(0, 5000))
    rows = []
    for i, name in enumerate(names):
        count = draw(st.integers(0, count)) if i else count
        cells = {
            "stage": name,
            "count": draw(st.sampled_from(COUNT_TEXT)) if broken or draw(st.integers(0, 5)) == 0 else f"{count:,}",
            "base": (names[i - 1] if i and draw(st.integers(0, 3)) else draw(st.sampled_from(["", "none", names[0]])))
            if not broken
            else draw(st.sampled_from(STAGE_NAMES + ["", "none"])),
            "unit": draw(st.sampled_from(UNITS)) if broken or draw(st.integers(0, 4)) == 0 else "people",
            "note": draw(st.sampled_from(HOSTILE_TEXT if broken else [t for t in HOSTILE_TEXT if t.isprintable()])),
            "programme": draw(st.sampled_from(["", "A", "=P", "a"])) if broken else "=P",
            "rounding": draw(st.sampled_from(["", "5", "10", "nearest 5", "x", "0", "-5"])) if broken else "",
        }
        rows.append([cells[column] for column in header])
    separator = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))

    def field(value: str) -> str:
        if draw(st.booleans()) or any(c in value for c in f'"{separator}\n\r'):
            return '"' + value.replace('"', '""') + '"'
        return value

    text = newline.join(separator.join(field(v) for v in row) for row in [list(header)] + rows) + newline
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


def _run_cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
    return code, err.getvalue()


@SETTINGS
@given(
    data=funnel_csvs(),
    method=st.sampled_from(intervals.METHODS),
    confidence=st.sampled_from(["0.95", "0.5", "99.9%"]),
    as_json=st.booleans(),
)
@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_rates_on_any_funnel_csv_is_a_table_or_exit_2(tmp_path, data, method, confidence, as_json):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    code, err = _run_cli(
        ["rates", str(path), "--method", method, "--confidence", confidence] + (["--json"] if as_json else [])
    )
    assert code in (0, 2), err
    if code == 2:
        assert err.strip() and "Traceback" not in err


@SETTINGS
@given(
    data=funnel_csvs(),
    claim=st.sampled_from(
        [
            "9%",
            "just over 6%",
            "one in 16",
            "about a third",
            "=1+1",
            "12.3%",
            "nearly half",
            "0%",
            "100%",
            "1 in 1",
            "",
            "%",
        ]
    ),
)
@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_claim_on_any_funnel_csv_is_an_answer_or_exit_2(tmp_path, data, claim):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    code, err = _run_cli(["claim", claim, str(path), "--json"])
    assert code in (0, 2), err


TOML_VALUES = [
    '"text"',
    '"=1+1"',
    '""',
    "2021-06-17",
    '"2021-13-45"',
    "12",
    "true",
    "[1, 2]",
    '"http://x.org/"',
    '"javascript:alert(1)"',
    "{a = 1}",
    '"a\\u0001b"',
    '"""multi\nline"""',
    "'literal'",
    '"\\uFFFE"',
    "1979-05-27T07:32:00Z",
    "inf",
    "nan",
    '"data.csv"',
    '"../../etc/passwd"',
    '"/dev/zero"',
    "[",
    '"',
]

LIST_VALUE = '["Visited", "=1+1"]'


VALID = {
    "title": '"=HYPERLINK(\\"http://x.invalid\\")"',
    "summary": "\"+cmd|' /C calc'!A0\"",
    "publisher": '"@P"',
    "published": "2021-06-17",
    "foi_reference": '"#N/A"',
    "source_url": '"https://example.org/a?b=c"',
    "source_name": '"Source"',
    "contact": '"\uff1dme"',
    "next_update": '"2022"',
    "data": '"data.csv"',
}
CLAIM_VALID = {"text": '"9%"', "by": '"=cmd"', "numerator": '"Visited"', "denominator": '"Identified"'}


@st.composite
def toml_specs(draw) -> str:
    """Mostly valid specs (every key with a good value, hostile text included) with some bad values."""

    def value(good: str) -> str:
        return good if draw(st.integers(0, 7)) else draw(st.sampled_from(TOML_VALUES + [LIST_VALUE]))

    keys = draw(st.lists(st.sampled_from(list(VALID) + ["titel"]), unique=True, max_size=len(VALID)))
    lines = [f"{key} = {value(VALID.get(key, '1'))}" for key in keys]
    if draw(st.booleans()):
        lines.append('data = "data.csv"')
    for _ in range(draw(st.integers(0, 2))):
        lines.append("[[claims]]")
        for sub in draw(st.lists(st.sampled_from(list(CLAIM_VALID) + ["other"]), max_size=5, unique=True)):
            lines.append(f"{sub} = {value(CLAIM_VALID.get(sub, '1'))}")
    return "\n".join(lines) + "\n"


@SETTINGS
@given(text=toml_specs())
def test_any_toml_spec_loads_or_is_refused(tmp_path, text):
    (tmp_path / "data.csv").write_text("stage,count,base\nIdentified,1000,\nVisited,669,Identified\n", encoding="utf-8")
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    try:
        spec = load_spec(path)
    except InputError as exc:
        assert str(exc).strip()
        return
    assert spec.source_url is None or spec.source_url.lower().startswith(("http://", "https://"))
    code, err = _run_cli(["rates", str(path)])
    assert code in (0, 2), err


WORDS = [
    "just",
    "over",
    "under",
    "about",
    "around",
    "nearly",
    "almost",
    "more",
    "than",
    "less",
    "fewer",
    "at",
    "least",
    "most",
    "one",
    "in",
    "every",
    "a",
    "third",
    "quarter",
    "half",
    "two",
    "thirds",
    "per",
    "cent",
    "%",
    "in",
    "of",
    "the",
    "people",
    "visited",
    "×",
    "/",
    "-",
    "9",
    "6.2",
    "12",
    "0",
    "100",
    "1,000",
    "99999999999999999999999",
    "0.000000001",
    "1e9",
    "٣",
    "９",
    "％",
    "=",
    "+",
    "(",
    ")",
]


@SETTINGS
@given(
    tokens=st.lists(st.sampled_from(WORDS), min_size=1, max_size=7),
    joiner=st.sampled_from([" ", "", "  "]),
    counts=st.lists(st.integers(0, 5000), min_size=2, max_size=5),
)
@example(tokens=["over", "9"], joiner=" ", counts=[0, 0])  # a count with no upper bound
def test_claim_text_on_random_funnels_parses_and_explains_or_raises_claim_error(tokens, joiner, counts):
    text = joiner.join(tokens)
    try:
        claim = parse_claim(text)
    except ClaimError:
        return
    assert isinstance(claim.low, Fraction)
    assert claim.high is None or claim.low <= claim.high  # None: open above ("over 9" people)
    counts = sorted(counts, reverse=True)
    records = [StageRecord(f"S{i}", str(c), base=f"S{i - 1}" if i else None, line=i + 2) for i, c in enumerate(counts)]
    try:
        funnel = build_funnel(records, source="t.csv")
    except InputError:
        return
    for match in explain_claim(claim, funnel):
        assert claim.contains(match.value)


# --------------------------------------------------------------------------------------------
# Excel functions on hostile values

UDFS = [*FIRST_EIGHT, udfs.UPTAKE_CASES]
ERRORS = {"#DIV/0!", "#NUM!", "#VALUE!", "#N/A"}
hostile_scalars = st.one_of(
    st.sampled_from(HOSTILE_TEXT + COUNT_TEXT + ["wilson", "exact", "normal", "0.95", "1", "0", "-0.5", "95%"]),
    st.sampled_from(
        [
            0,
            1,
            -1,
            2**63,
            -(2**63),
            10**400 // 10**300,
            1e308,
            -1e308,
            5e-324,
            float("inf"),
            float("-inf"),
            float("nan"),
            True,
            False,
            None,
            0.95,
            0.999999999999,
            1.0000000001,
        ]
    ),
    st.integers(),
    st.floats(),
)
hostile_values = st.one_of(
    hostile_scalars,
    st.lists(hostile_scalars, max_size=5),
    st.lists(st.lists(hostile_scalars, max_size=4), max_size=5),
    st.just([]),
    st.just([[]]),
    st.just([[None]]),
)


@pytest.mark.parametrize("function", UDFS, ids=[f.__name__ for f in UDFS])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=st.lists(hostile_values, min_size=0, max_size=8))
def test_excel_functions_on_hostile_values_give_a_value_or_an_error_literal(function, args):
    import inspect

    parameters = inspect.signature(function).parameters
    required = sum(p.default is inspect.Parameter.empty for p in parameters.values())
    args = (args + [None] * required)[: max(required, min(len(args), len(parameters)))]
    with raising():
        result = function(*args)
    for value in walk(result):
        assert value is None or isinstance(value, (str, int, float, bool)), type(value)
        if isinstance(value, float):
            assert math.isfinite(value)
        if isinstance(value, str) and value.startswith("#"):
            assert value in ERRORS or not value.rstrip("!?/0").isupper(), value
