"""The report for periods (changes, trend chart) and for areas (funnel plot with overdispersion)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from oracles import oracle
from test_report import NS, Package, build

from xlplugin.core import overdispersion as od
from xlplugin.core.funnel_plot import funnel_plot, plain_limits
from xlplugin.inputs.spec import load_input

DATA = Path(__file__).parent / "data" / "comparison"
WYP = DATA / "west-yorkshire-clares-law.csv"
AREAS = DATA / "areas-43.csv"

sm_proportion = oracle("statsmodels.stats.proportion")


@pytest.fixture(scope="module")
def wyp(tmp_path_factory):
    return build(tmp_path_factory.mktemp("wyp"), WYP)


@pytest.fixture(scope="module")
def areas(tmp_path_factory):
    return build(tmp_path_factory.mktemp("areas"), AREAS)


def _table(pkg: Package, sheet: str, first_header: str) -> tuple[list[str], list[dict]]:
    """The sheet's table as header names and rows of cells (dicts as Package.cells gives)."""
    cells = pkg.cells(sheet)
    header_row = next(
        int(re.sub(r"\D", "", ref)) for ref, c in cells.items() if ref.startswith("A") and c["v"] == first_header
    )
    cols = sorted({re.sub(r"\d", "", ref) for ref in cells}, key=lambda c: (len(c), c))
    headers = [cells.get(f"{c}{header_row}", {}).get("v") for c in cols]
    rows = []
    r = header_row + 1
    while f"A{r}" in cells:
        rows.append({h: cells.get(f"{c}{r}") for c, h in zip(cols, headers, strict=True) if h})
        r += 1
    return [h for h in headers if h], rows


def _evaluate(formula: str, cells: dict) -> float:
    """A formula of + - * / ^, SQRT, MIN and MAX over cell references, as Excel would compute it."""

    def ref(m):
        return repr(float(cells[m.group(0)]["v"]))

    text = re.sub(r"\b[A-Z]{1,3}\d+\b", ref, formula).replace("^", "**")
    text = text.replace("SQRT", "sqrt").replace("MIN", "min").replace("MAX", "max")
    return eval(text, {"__builtins__": {}}, {"sqrt": math.sqrt, "min": min, "max": max})  # noqa: S307


def test_west_yorkshire_changes_sheet(wyp):
    _, pkg = wyp
    headers, rows = _table(pkg, "Changes", "Stage")
    (row,) = rows
    lo, hi = sm_proportion.confint_proportions_2indep(46, 101, 21, 68, method="newcomb", compare="diff")
    assert row["Stage"]["v"] == "Disclosures"
    assert (row["From (period)"]["v"], row["To (period)"]["v"]) == ("2016", "2017")
    assert float(row["Change (points)"]["v"]) == pytest.approx(100 * (46 / 101 - 21 / 68), abs=1e-9)
    assert float(row["95% CI lower (points)"]["v"]) == pytest.approx(100 * lo, abs=1e-9)
    assert float(row["95% CI upper (points)"]["v"]) == pytest.approx(100 * hi, abs=1e-9)
    assert row["Verdict"]["v"] == "no clear change"
    # every figure is a formula over the counts whose arithmetic gives the cached value
    cells = pkg.cells("Changes")
    formulas = [(ref, c) for ref, c in cells.items() if c["f"]]
    assert len(formulas) == 6
    for ref, c in formulas:
        assert _evaluate(c["f"], cells) == pytest.approx(float(c["v"]), abs=1e-9), ref
    # the cell shows points with their sign: +14.7, -0.4, +28.4
    style = row["Change (points)"]["s"]
    styles = pkg.xml("xl/styles.xml")
    xf = styles.find("m:cellXfs", NS)[style]
    fmt = next(f for f in styles.find("m:numFmts", NS) if f.get("numFmtId") == xf.get("numFmtId"))
    assert fmt.get("formatCode") == "+0.0;-0.0;0.0"


def test_west_yorkshire_trend_chart_alt_text_states_the_figures(wyp):
    _, pkg = wyp
    assert "Trend chart" in pkg.sheets() and "Funnel plot" not in pkg.sheets()
    drawings = [n for n in pkg.names() if n.startswith("xl/drawings/drawing")]
    alts = [el.get("descr") for n in drawings for el in pkg.xml(n).iter() if el.get("descr")]
    trend = next(a for a in alts if a.startswith("Line chart"))
    for figure in (
        "2016 30.9% (21.2% to 42.6%)",
        "2017 45.5% (36.2% to 55.2%)",
        "+14.7 points (-0.4 to +28.4)",
        "no clear change",
    ):
        assert figure in trend
    line = [n for n in pkg.charts() if pkg.xml(n).find(".//c:lineChart", NS) is not None]
    (chart,) = line
    assert pkg.xml(chart).find(".//c:errBars", NS) is not None


def test_areas_funnel_plot_table_and_labels(areas):
    _, pkg = areas
    funnel, _spec, _path = load_input(AREAS)
    fp = funnel_plot(funnel)
    assert fp.dispersion.adjustment == od.ADDITIVE
    headers, rows = _table(pkg, "Funnel plot", "Programme")
    assert len(rows) == 43
    by_name = {p.name: p for p in fp.points}
    for row in rows:
        p = by_name[row["Programme"]["v"]]
        assert float(row["z-score (number)"]["v"]) == pytest.approx(p.z_plain, abs=1e-12)
        assert float(row["Adjusted z-score (number)"]["v"]) == pytest.approx(p.z, abs=1e-12)
        assert float(row["Adjusted p-value (number)"]["v"]) == pytest.approx(p.p_value, abs=1e-12)
    plain_out = sum(r["Against the plain limits"]["v"] != "Within the limits" for r in rows)
    adjusted_out = sum(r["Against the adjusted limits"]["v"] != "Within the limits" for r in rows)
    assert adjusted_out < plain_out
    # the description says which adjustment is drawn
    cells = pkg.cells("Funnel plot")
    assert "limits adjusted for overdispersion (additive random effects)" in cells["A2"]["v"]
    # every point carries a data label: its programme's name, as the table's cell has it, in rich text
    # (shown by LibreOffice as well as Excel; refresh rewrites it with the chart), and shown (showVal)
    (scatter,) = [n for n in pkg.charts() if pkg.xml(n).find(".//c:scatterChart", NS) is not None]
    root = pkg.xml(scatter)
    points = root.find(".//c:ser", NS)
    labels = points.findall("c:dLbls/c:dLbl", NS)
    assert len(labels) == 43
    texts = ["".join(t.text for t in lbl.iter(f"{A}t")) for lbl in labels]
    assert texts == [r["Programme"]["v"] for r in rows]
    assert [int(lbl.find("c:idx", NS).get("val")) for lbl in labels] == list(range(43))
    assert all(lbl.find("c:showVal", NS).get("val") == "1" for lbl in labels)
    assert all(lbl.find("c:tx/c:strRef", NS) is None for lbl in labels)
    # the adjusted limits are drawn: the 95% upper line at the largest denominator
    headers, lim_rows = _table(pkg, "Funnel plot limits", "Denominator (number)")
    last = lim_rows[-1]
    n = float(last["Denominator (number)"]["v"])
    assert float(last["Adjusted 95% upper limit (%)"]["v"]) == pytest.approx(
        od.limits(fp.dispersion, n, 0.95)[1], abs=1e-12
    )
    # the plain limits are exact binomial (tests/test_funnel_plot_exact.py checks them against scipy)
    assert n == int(n)
    assert float(last["95% upper limit (%)"]["v"]) == pytest.approx(
        plain_limits(fp.dispersion.target, int(n), 0.95)[1], abs=1e-12
    )


def test_overdispersion_none_draws_plain_limits(tmp_path):
    _, pkg = build(tmp_path, AREAS, overdispersion="none")
    headers, rows = _table(pkg, "Funnel plot", "Programme")
    assert "Adjusted z-score (number)" not in headers
    assert "plain limits" in pkg.cells("Funnel plot")["A2"]["v"]


def test_periods_option_turns_areas_into_periods(tmp_path):
    _, pkg = build(tmp_path, AREAS, periods=True)
    assert "Changes" in pkg.sheets() and "Funnel plot" not in pkg.sheets()


MET = Path(__file__).parent / "data" / "examples" / "met-2020-visits.toml"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@pytest.fixture(scope="module")
def met(tmp_path_factory):
    return build(tmp_path_factory.mktemp("met"), MET)


def test_met_denominators_chart_one_numerator_and_the_12_percent_hatched(met):
    _, pkg = met
    headers, rows = _table(pkg, "Denominators chart", "Definition")
    labels = [r["Definition"]["v"] for r in rows]
    # one numerator (the claims' "Interested in diversion"), not 66.9% and 68.9% of other numerators
    assert labels == [
        "62 of 669 visited",
        "62 of 1,000 identified for a visit",
        "(62 + 20) of 669 visited",
        "(62 + 20) of 1,000 identified for a visit",
    ]
    assert [r["Bar label"]["v"] for r in rows][2] == "12.3% (not a subset)"
    charts = [n for n in pkg.charts() if "Interested in diversion: rate by denominator" in pkg.zip.read(n).decode()]
    (chart,) = charts
    ser = pkg.xml(chart).find(".//c:ser", NS)
    hatched = {
        int(dpt.find("c:idx", NS).get("val"))
        for dpt in ser.findall("c:dPt", NS)
        if dpt.find(f".//{A}pattFill") is not None
    }
    assert hatched == {2, 3}  # the two sums with the 20 who phoned in
    for dpt in ser.findall("c:dPt", NS):
        assert dpt.find(f".//{A}ln/{A}prstDash", NS).get("val") == "dash"  # an outline, not only a colour
    label_texts = ["".join(t.text for t in lbl.iter(f"{A}t")) for lbl in ser.findall("c:dLbls/c:dLbl", NS)]
    assert label_texts == [r["Bar label"]["v"] for r in rows]  # the Bar label column, as rich text
    assert "12.3% (not a subset)" in label_texts
    drawings = [n for n in pkg.names() if n.startswith("xl/drawings/drawing")]
    alts = [el.get("descr") for n in drawings for el in pkg.xml(n).iter() if el.get("descr")]
    alt = next(a for a in alts if "rates of interested in diversion" in a)
    assert "(62 + 20) of 669 visited: 12.3% (10.0% to 15.0%), hatched: the numerator is not a subset" in alt


def test_notes_column_never_says_none(met, wyp):
    _, pkg = met
    headers, rows = _table(pkg, "Funnel", "Stage")
    notes = {r["Stage"]["v"]: r["Notes"]["v"] for r in rows}
    assert notes["Visited"] == "[z]"  # no note for this stage
    assert notes["Identified for a visit"].startswith("[note ")
    assert "None" not in {c["v"] for c in pkg.cells("Funnel").values()}
    # no stage has a note: no Notes column at all
    _, pkg = wyp
    headers, _rows = _table(pkg, "Funnel", "Programme")
    assert "Notes" not in headers and headers[-1] == "Drop-off from base (number)"


def test_several_programmes_funnel_chart_is_clustered_with_a_legend(tmp_path):
    _, pkg = build(tmp_path, Path(__file__).parent / "data" / "examples" / "prevent-channel.csv")
    headers, rows = _table(pkg, "Funnel chart", "Stage")
    assert headers == [
        "Stage",
        "Year ending March 2019 (number)",
        "Year ending March 2020 (number)",
        "Year ending March 2021 (number)",
        "Year ending March 2024 (number)",
    ]
    assert [r["Stage"]["v"] for r in rows] == [
        "Referred to Prevent",
        "Discussed at a Channel panel",
        "Adopted as a Channel case",
    ]
    charts = [n for n in pkg.charts() if "by programme" in pkg.zip.read(n).decode()]
    (chart,) = charts
    root = pkg.xml(chart)
    series = root.findall(".//c:ser", NS)
    assert len(series) == 4 and root.find(".//c:legend", NS) is not None
    colours = [s.find(f"c:spPr/{A}solidFill/{A}srgbClr", NS).get("val") for s in series]
    assert len(set(colours)) == 4
    assert all(s.find("c:dLbls/c:showVal", NS).get("val") == "1" for s in series)  # every bar says its count


def test_period_and_area_reports_pass_the_accessibility_checker(wyp, areas):
    from xlplugin.accessibility import checker as accessibility

    for path, _pkg in (wyp, areas):
        assert accessibility.check_workbook(path) == []
