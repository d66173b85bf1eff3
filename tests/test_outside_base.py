"""A stage whose base is a stage outside the funnel: `rates`, `report` and `refresh` all accept it.

"Of the 20 who phoned in, 5 took up diversion": the 5 are a subset of an outside stage. The
denominators table must not add the 20 to a stage nested in them (that counts people twice),
and a sum that can exceed its denominator is a ratio with no proportion interval (it once
crashed with "x (60) must not exceed n (50)", exit 1).
"""

from __future__ import annotations

import pytest

from xlplugin.cli import main
from xlplugin.core.rates import denominator_table
from xlplugin.inputs.spec import load_input_table

CSV = """stage,count,base
A,100,
B,50,none
C,10,B
D,60,A
"""


@pytest.fixture
def funnel_csv(tmp_path):
    path = tmp_path / "outside.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_denominators_table_of_a_base_chain_through_an_outside_stage(funnel_csv):
    funnel = load_input_table(funnel_csv)[0]
    rows = {(d.numerator, d.denominator): d for d in denominator_table(funnel.programmes[0])}
    assert set(rows) == {(("C",), "B"), (("D",), "A"), (("D", "B"), "A")}  # never C + B: C is inside B
    c = rows[("C",), "B"]
    assert c.subset and c.rate_range.rate == pytest.approx(0.2)
    assert c.rate_range.ci_lower == pytest.approx(0.1124375, abs=1e-6)  # Wilson 10/50 (statsmodels: 0.112437)
    over = rows[("D", "B"), "A"]  # 60 + 50 of 100: more than the denominator
    assert not over.subset and over.rate_range.rate == pytest.approx(1.1)
    assert over.rate_range.ci_lower is None and over.rate_range.ci_upper is None


def test_report_and_refresh_accept_it(tmp_path, funnel_csv, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(funnel_csv), "-o", str(out)]) == 0
    grown = tmp_path / "grown.csv"
    grown.write_text(CSV + "E,40,D\nF,3,C\n", encoding="utf-8")
    assert main(["refresh", str(out), str(grown)]) == 0, capsys.readouterr().err
    assert main(["rates", str(grown)]) == 0
