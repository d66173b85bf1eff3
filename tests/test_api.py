"""The public Python API (`xlplugin.funnel_table`, ...): every form of data, with and without pandas.

Numbers are checked against independent arithmetic (62/669) and statsmodels' Wilson interval
(tolerance 1e-12); the same figures must come back whether the data is a path, CSV text, bytes,
a list of records or a DataFrame.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from oracles import oracle

import xlplugin

EXAMPLES = Path(__file__).parent / "data" / "examples"
MET_CSV = EXAMPLES / "met-2020-visits.csv"
MET_SPEC = EXAMPLES / "met-2020-visits.toml"
STAMP = "2021-06-17T00:00:00Z"

RECORDS = [
    {"stage": "Identified for a visit", "count": 1000},
    {"stage": "Visited", "count": 669, "base": "Identified for a visit"},
    {"stage": "Interested in diversion", "count": 62, "base": "Visited"},
    {"stage": "Contacted police about diversion", "count": 20, "base": "none"},
]
CSV_TEXT = "stage,count,base\nIdentified for a visit,1000,\nVisited,669,Identified for a visit\n" \
           "Interested in diversion,62,Visited\nContacted police about diversion,20,none\n"  # fmt: skip


@pytest.fixture(scope="module")
def wilson_62_669() -> tuple[float, float]:
    """statsmodels' Wilson interval for 62/669: module-scoped, so it is computed before `no_pandas` hides
    pandas (statsmodels needs it), and only on the worker that runs a test asking for it."""
    proportion = oracle("statsmodels.stats.proportion")
    return tuple(proportion.proportion_confint(62, 669, alpha=0.05, method="wilson"))


@pytest.fixture
def no_pandas(monkeypatch):
    """pandas made unimportable, as on a machine without it."""
    monkeypatch.setitem(sys.modules, "pandas", None)


def _by_stage(rows) -> dict:
    return {r["stage"]: r for r in rows}


def test_import_xlplugin_stays_cheap():
    code = (
        "import sys, xlplugin; "
        "print(sorted(m for m in sys.modules if m.startswith(('xlplugin', 'pandas', 'xlsxwriter', 'xlwings'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['xlplugin']"
    assert "funnel_table" in dir(xlplugin)
    with pytest.raises(AttributeError):
        xlplugin.no_such_function  # noqa: B018


@pytest.mark.parametrize("form", ["path", "str path", "csv text", "bytes", "records"])
def test_funnel_table_from_every_form_of_data(wilson_62_669, no_pandas, form):
    data = {
        "path": MET_CSV,
        "str path": str(MET_CSV),
        "csv text": CSV_TEXT,
        "bytes": CSV_TEXT.encode(),
        "records": RECORDS,
    }[form]
    rows = xlplugin.funnel_table(data)
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    stages = _by_stage(rows)
    visited, interested = stages["Visited"], stages["Interested in diversion"]
    assert visited["rate"] == pytest.approx(669 / 1000, abs=1e-15)
    assert interested["rate"] == pytest.approx(62 / 669, abs=1e-15)
    assert interested["base"] == "Visited" and interested["count"] == 62
    assert (interested["ci_lower"], interested["ci_upper"]) == pytest.approx(wilson_62_669, abs=1e-12)
    assert stages["Contacted police about diversion"]["flags"] == ["outside_funnel"]
    assert stages["Identified for a visit"]["flags"] == ["first_stage"]


def test_without_pandas_records_and_a_clear_message(no_pandas):
    assert isinstance(xlplugin.denominators(RECORDS), list)
    with pytest.raises(ImportError, match="as_frame=True needs pandas"):
        xlplugin.funnel_table(RECORDS, as_frame=True)


def test_dataframes_in_and_out():
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame.from_records(RECORDS)  # base is NaN in the first row
    table = xlplugin.funnel_table(frame)
    assert isinstance(table, pandas.DataFrame)
    assert list(table.columns[:3]) == ["programme", "stage", "count"]
    row = table.set_index("stage").loc["Interested in diversion"]
    assert row["rate"] == pytest.approx(62 / 669, abs=1e-15)
    records = xlplugin.funnel_table(frame, as_frame=False)
    assert isinstance(records, list) and _by_stage(records)["Visited"]["count"] == 669


def test_denominators_name_the_founding_figures(no_pandas):
    rows = {(r["numerator"], r["denominator"]): r for r in xlplugin.denominators(MET_CSV)}
    interested, contacted = "Interested in diversion", "Contacted police about diversion"
    assert rows[interested, "Identified for a visit"]["rate"] == pytest.approx(0.062, abs=1e-15)
    assert rows[interested, "Visited"]["rate"] == pytest.approx(62 / 669, abs=1e-15)
    both = rows[f"{interested} + {contacted}", "Visited"]
    assert both["rate"] == pytest.approx(82 / 669, abs=1e-15) and both["subset"] is False
    engagements = rows["Follow-up engagements", "Visited"]
    assert engagements["mixed_units"] is True and engagements["rate"] is None


@pytest.mark.parametrize(
    "claim, verdict",
    [("9%", "reproduced"), ("just over 6%", "reproduced"), ("12%", "reproduced_invalid"), ("50%", "not_reproduced")],
)
def test_check_claim_never_says_yes_for_a_non_subset(claim, verdict):
    doc = xlplugin.check_claim(claim, MET_CSV)
    assert doc["verdict"] == verdict
    if verdict == "reproduced_invalid":
        assert doc["matches"] and not any(m["subset"] for m in doc["matches"])
    if verdict == "reproduced":
        assert any(m["subset"] and not m["mixed_units"] for m in doc["matches"])
    cli = subprocess.run(
        [sys.executable, "-m", "xlplugin.cli", "claim", claim, str(MET_CSV), "--json"], capture_output=True, text=True
    )
    assert json.loads(cli.stdout) == doc  # the same document as the command line's


def test_explain_claim_lists_the_definitions():
    matches = xlplugin.explain_claim("12%", MET_CSV)
    assert [(m["numerator"], m["denominator"], m["subset"]) for m in matches] == [
        (["Interested in diversion", "Contacted police about diversion"], "Visited", False)
    ]
    assert matches[0]["value"] == pytest.approx(82 / 669, abs=1e-15)


def test_bad_data_names_where(no_pandas):
    bad = RECORDS[:1] + [{"stage": "Visited", "count": "abc"}]
    with pytest.raises(xlplugin.InputError, match=r"<data>, line 3, column 'count'"):
        xlplugin.funnel_table(bad)
    with pytest.raises(xlplugin.InputError, match="data must be a path"):
        xlplugin.funnel_table(42)
    with pytest.raises(xlplugin.InputError):
        xlplugin.check_claim("not a claim at all", MET_CSV)


def test_write_report_from_records_to_xlsx_and_ods(tmp_path):
    xlsx = xlplugin.write_report(RECORDS, tmp_path / "r.xlsx", timestamp=STAMP, name="met.csv")
    ods = xlplugin.write_report(RECORDS, tmp_path / "r.ods", timestamp=STAMP, csv_dir=tmp_path / "csv")
    assert xlsx.exists() and ods.exists() and (tmp_path / "csv" / "funnel.csv").exists()
    with zipfile.ZipFile(xlsx) as z:
        data_sheet = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert data_sheet and b"met.csv" in z.read("xl/sharedStrings.xml")
    with zipfile.ZipFile(ods) as z:
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    assert xlplugin.check_workbook(xlsx) == []
    # the spec path works too, and bytes come back identical for the same input
    assert xlplugin.report_bytes(MET_SPEC, timestamp=STAMP) == xlplugin.report_bytes(MET_SPEC, timestamp=STAMP)
    with pytest.raises(TypeError, match="unknown report option"):
        xlplugin.write_report(RECORDS, tmp_path / "x.xlsx", colour="red")
    with pytest.raises(xlplugin.InputError, match="exists"):
        xlplugin.write_report(RECORDS, xlsx)


def test_refresh_from_records(tmp_path):
    from xlplugin.accessibility import load_workbook

    book = xlplugin.write_report(RECORDS, tmp_path / "r.xlsx", timestamp=STAMP)
    newer = [dict(r) for r in RECORDS]
    newer[2]["count"] = 70
    xlplugin.refresh_workbook(book, newer)  # not `refresh`: that name is the subpackage
    sheet = load_workbook(book).sheet("Funnel")
    counts = [c.value for c in sheet.cells.values() if c.kind == "n"]
    assert 70 in counts and 62 not in counts


def test_check_workbook_returns_findings_as_records(tmp_path):
    import xlsxwriter

    path = tmp_path / "bare.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Sheet1").write(3, 3, 5)
    wb.close()
    findings = xlplugin.check_workbook(path)
    assert findings and set(findings[0]) == {"check", "sheet", "where", "message"}


MET_BOOK = Path(__file__).parent.parent / "workbooks" / "examples" / "inputs" / "met-2020-visits-foi.xlsx"
PREVENT_WIDE = MET_BOOK.parent / "prevent-channel-wide.csv"


def test_workbooks_and_layouts_read_through_the_loader(no_pandas, tmp_path):
    from xlplugin.inputs import ReadOptions

    expected = xlplugin.funnel_table(MET_CSV)
    assert _by_stage(expected)["Visited"]["count"] == 669  # not vacuous
    assert xlplugin.funnel_table(MET_BOOK) == expected  # a path
    assert xlplugin.funnel_table(MET_BOOK.read_bytes()) == expected  # a workbook's bytes
    assert xlplugin.funnel_table(MET_BOOK, read_options=ReadOptions(cell_range="Range!B6:F11")) == expected
    assert xlplugin.check_claim("12%", MET_BOOK, read_options=ReadOptions(sheet="Table 1"))["verdict"] == (
        "reproduced_invalid"
    )
    prevent = xlplugin.funnel_table(EXAMPLES / "prevent-channel.csv")
    assert xlplugin.funnel_table(PREVENT_WIDE) == prevent
    with pytest.raises(xlplugin.InputError, match="no sheet|'Nope'"):
        xlplugin.read_funnel(MET_BOOK, read_options=ReadOptions(sheet="Nope"))
    # the writers too: a report and a refresh from a workbook's bytes
    book = xlplugin.write_report(MET_BOOK.read_bytes(), tmp_path / "r.xlsx", timestamp=STAMP)
    with zipfile.ZipFile(book) as z:
        assert b"data.xlsx" in z.read("xl/sharedStrings.xml")
    newer = tmp_path / "newer.csv"
    newer.write_text(CSV_TEXT.replace("62", "70"))
    xlplugin.refresh_workbook(book, newer)
    assert _counts(book) >= {70} and 62 not in _counts(book)
    xlplugin.refresh_workbook(book, MET_BOOK, read_options=ReadOptions(table="MetVisits"))
    assert 62 in _counts(book) and 70 not in _counts(book)


def _counts(book) -> set:
    from xlplugin.accessibility import load_workbook

    return {c.value for c in load_workbook(book).sheet("Funnel").cells.values() if c.kind == "n"}
