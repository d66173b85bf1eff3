"""The Excel functions through the Office.js route (xlwings Lite and xlwings Server), for real.

xlwings' own `custom_functions_meta` and `custom_functions_call` run against xlplugin.udfs
(tests/officejs_runner.py) with payloads shaped as Office.js sends them: every argument a
2-D matrix, an omitted optional argument null, an empty cell either null or, on the Excel builds
that do so (office-js issues 4702, 5262, 1951), 0; error values as {"type": "Error", ...}
objects. Results must be the core's numbers (oracle: statsmodels' Wilson interval, tolerance
1e-12) or real error cells.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("xlwings")

from xlplugin.excel import functions  # noqa: E402

RUNNER = Path(__file__).parent / "officejs_runner.py"
EMPTY_FORMS = {"null": None, "zero": 0}
GROWN = 997  # A2:A1000 after three data rows: the empty rows below

STAGES = ["Identified for a visit", "Visited", "Follow-up engagements", "Interested in diversion", "Contacted police"]
COUNTS = [1000, 669, 156, 62, 20]
BASES = [None, "Identified for a visit", "Visited", "Visited", "none"]  # first base cell empty
UNITS = ["people", "people", "contacts", "people", "people"]


def col(values, empty=None) -> list[list]:
    """A one-column range as Office.js sends it, with `empty` for each empty cell."""
    return [[empty if v is None else v] for v in values]


def _wilson(x, n, level=0.95):
    from statsmodels.stats.proportion import proportion_confint

    return list(proportion_confint(x, n, alpha=1 - level, method="wilson"))


CASES: dict[str, tuple[str, list]] = {}


def case(name: str, func_name: str, *args) -> str:
    CASES[name] = (func_name, list(args))
    return name


for form, e in EMPTY_FORMS.items():
    case(f"funnel-{form}", "UPTAKE_FUNNEL", col(STAGES), col(COUNTS), col(BASES, e), col(UNITS))
    case(
        f"funnel-grown-{form}",
        "UPTAKE_FUNNEL",
        col(STAGES + [None] * GROWN, e),
        col(COUNTS + [None] * GROWN, e),
        col(BASES + [None] * GROWN, e),
        col(UNITS + [None] * GROWN, e),
    )
    case(f"funnel-no-bases-{form}", "UPTAKE_FUNNEL", col(STAGES[:4]), col(COUNTS[:4]), [[e]], None)
    case(f"rate-grown-{form}", "UPTAKE_RATE", col([62, 20] + [None] * GROWN, e), col([669, 669] + [None] * GROWN, e))
    case(f"ci-grown-{form}", "UPTAKE_CI", col([62, 20] + [None] * GROWN, e), col([669, 669] + [None] * GROWN, e))
    case(f"ci-empty-options-{form}", "UPTAKE_CI", [[62]], [[669]], [[e]], [[e]])
    case(f"explain-{form}", "UPTAKE_EXPLAIN", [["9%"]], col(STAGES), col(COUNTS), col(BASES, e))
case("ci-omitted-options", "UPTAKE_CI", [[62]], [[669]], None, None)
case("ci-99-jeffreys", "UPTAKE_CI", [[62]], [[669]], [[0.99]], [["jeffreys"]])
case("rate", "UPTAKE_RATE", [[62]], [[669]])
case("rate-real-zero", "UPTAKE_RATE", [[0], [5]], [[10], [10]])
case("rate-div0", "UPTAKE_RATE", [[62]], [[0]])
case("rate-bad", "UPTAKE_RATE", [[70]], [[62]])
case("rate-text", "UPTAKE_RATE", [["many"]], [[669]])
case("rate-error-in", "UPTAKE_RATE", [[{"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}]], [[669]])
case("funnel-long-name", "UPTAKE_FUNNEL", [["A" * 300], ["Visited"]], [[1000], [669]], None, None)


@pytest.fixture(scope="module")
def officejs():
    payload = [{"func_name": f, "args": a} for f, a in CASES.values()]
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    done = subprocess.run(
        [sys.executable, str(RUNNER)], input=json.dumps(payload), capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    results = dict(zip(CASES, out["results"], strict=True))
    for name, result in results.items():
        assert not (isinstance(result, dict) and "exception" in result), (name, result)
    return out["meta"], results


def error(kind: str) -> dict:
    return {"type": "Error", "errorType": kind}


def test_registration(officejs):
    meta, _ = officejs
    functions_ = {f["id"]: f for f in meta["functions"]}
    from xlplugin import udfs

    assert set(functions_) == set(udfs.__all__)
    assert meta["allowErrorForDataTypeAny"] is True
    for name, f in functions_.items():
        assert f["name"] == name and len(f["description"]) > 30, name
        assert f["helpUrl"] == functions.HELP_URL
        assert f["result"] == {"dimensionality": "matrix", "type": "any"}
        for p in f["parameters"]:
            assert p["description"] and not p["description"].startswith("Positional argument"), (name, p)
    optional = {name: [p["name"] for p in f["parameters"] if p.get("optional")] for name, f in functions_.items()}
    assert optional["UPTAKE_RATE"] == []
    assert optional["UPTAKE_CI"] == ["confidence", "method"]
    assert optional["UPTAKE_FUNNEL"] == ["bases", "units"]
    assert [p["name"] for p in functions_["UPTAKE_FUNNEL"]["parameters"]] == ["stages", "counts", "bases", "units"]


@pytest.mark.parametrize("form", EMPTY_FORMS)
def test_readme_funnel_with_the_first_base_empty(officejs, form):
    """=UPTAKE_FUNNEL(A2:A6,B2:B6,C2:C6,D2:D6) with C2 empty: null or 0, the same table."""
    _, results = officejs
    table = results[f"funnel-{form}"]
    assert table == results["funnel-null"]
    assert table[0][:4] == ["stage", "count", "base", "% of base"]
    assert [row[0] for row in table[1:]] == STAGES
    assert table[1][2] == "" and table[1][3] == "[z]"  # the first stage: no base
    visited, interested = table[2], table[4]
    assert visited[3] == pytest.approx(0.669, abs=1e-15)
    assert interested[3] == pytest.approx(62 / 669, abs=1e-15)
    assert interested[4:6] == pytest.approx(_wilson(62, 669), abs=1e-12)
    assert table[5][2] == "none"


@pytest.mark.parametrize("form", EMPTY_FORMS)
def test_grown_ranges_add_no_rows(officejs, form):
    _, results = officejs
    assert results[f"funnel-grown-{form}"] == results["funnel-null"]
    rates = results[f"rate-grown-{form}"]
    assert [row[0] for row in rates] == pytest.approx([62 / 669, 20 / 669], abs=1e-15) and len(rates) == 2
    cis = results[f"ci-grown-{form}"]
    assert len(cis) == 2
    assert cis[0] == pytest.approx(_wilson(62, 669), abs=1e-12) and cis[1] == pytest.approx(_wilson(20, 669), abs=1e-12)


@pytest.mark.parametrize("form", EMPTY_FORMS)
def test_empty_option_cells_mean_the_default(officejs, form):
    _, results = officejs
    assert results[f"ci-empty-options-{form}"] == results["ci-omitted-options"]
    assert results["ci-omitted-options"][0] == pytest.approx(_wilson(62, 669), abs=1e-12)
    assert results["ci-99-jeffreys"] != results["ci-omitted-options"]


def test_funnel_without_bases_and_explain(officejs):
    _, results = officejs
    for form in EMPTY_FORMS:
        table = results[f"funnel-no-bases-{form}"]
        assert len(table) == 5 and table[4][2] == "Follow-up engagements"  # blank base: the stage above
        explained = results[f"explain-{form}"]
        assert explained == results["explain-null"]
        assert explained[1][:2] == ["Interested in diversion", "Visited"]


def test_real_values_and_real_error_cells(officejs):
    _, results = officejs
    assert results["rate"] == [[pytest.approx(62 / 669, abs=1e-15)]]
    assert results["rate-real-zero"] == [[0.0], [0.5]]  # a real 0 count keeps its row
    assert results["rate-div0"] == [[error("Div0")]]
    assert results["rate-bad"] == [[error("Num")]]
    assert results["rate-text"] == [[error("Value")]]
    assert results["rate-error-in"] == [[error("NotAvailable")]]
    assert results["funnel-long-name"][1][0] == "A" * 300  # Office.js has no 255-character limit


def test_classic_path_clips_long_strings_in_arrays(monkeypatch):
    """Classic xlwings makes the whole spill #VALUE! for one string over 255 characters (xlwings #456)."""
    long_name = "A" * 300
    monkeypatch.setattr(functions, "CLASSIC", True)
    table = functions.UPTAKE_FUNNEL([[long_name], ["Visited"]], [[1000.0], [669.0]])
    shown = table[1][0]
    assert len(shown) == 255 and shown.endswith("\u2026") and shown.startswith("A" * 254)
    assert all(len(v) <= 255 for row in table for v in row if isinstance(v, str))
    assert table[2][3] == pytest.approx(0.669, abs=1e-15)
    monkeypatch.setattr(functions, "CLASSIC", False)
    assert functions.UPTAKE_FUNNEL([[long_name], ["Visited"]], [[1000.0], [669.0]])[1][0] == long_name


def test_every_function_is_registered_with_category_and_help_url(monkeypatch):
    """`@func` and `@func(...)` both pass the xlplugin category (classic) and help URL (Office.js)."""
    seen = []

    def recorder(**options):
        seen.append(options)
        return lambda f: f

    monkeypatch.setattr(functions, "_xlwings_func", recorder)

    def f():
        return 1

    assert functions.func(f) is f and functions.func(volatile=True)(f) is f
    assert seen == [
        {"category": "xlplugin", "help_url": functions.HELP_URL},
        {"category": "xlplugin", "help_url": functions.HELP_URL, "volatile": True},
    ]
