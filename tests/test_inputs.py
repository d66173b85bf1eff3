"""Data as it arrives, through the real command line: layouts, workbooks, suppression wording,
percentages without counts, pipes, and refusals that name the line and column or sheet and cell."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from cli_runner import run_xlplugin
from helpers import fuzz_module

from xlplugin.core.counts import parse_count, percentage_interval
from xlplugin.core.errors import InputError
from xlplugin.inputs import ReadOptions, load

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "workbooks" / "examples" / "inputs"
EXAMPLES = ROOT / "tests" / "data" / "examples"
MET = EXAMPLES / "met-2020-visits.csv"
PREVENT = EXAMPLES / "prevent-channel.csv"
MET_BOOK = INPUTS / "met-2020-visits-foi.xlsx"
PREVENT_BOOK = INPUTS / "prevent-channel-foi.xlsx"


def run(*args, stdin: bytes | None = None, module: str = "xlplugin.cli", shell: str | None = None):
    env = {k: v for k, v in os.environ.items() if k != "XLPLUGIN_DEBUG"}
    if shell is not None:
        return subprocess.run(shell, input=stdin, capture_output=True, env=env, timeout=120, shell=True)
    return run_xlplugin(*args, input=stdin, env=env, module=module)


def rates_json(*args) -> dict:
    r = run("rates", *args, "--json")
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout)


# --------------------------------------------------------------------------------------------
# the same figures in every layout give the same rates


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_met_figures_in_every_workbook_shape_give_the_csv_rates():
    expected = rates_json(MET)
    assert expected["programmes"][0]["stages"][3]["count"] == 62  # not vacuous: the Met figures
    assert rates_json(MET_BOOK) == expected  # the one Excel table, by default
    assert rates_json(MET_BOOK, "--table", "MetVisits") == expected
    assert rates_json(MET_BOOK, "--sheet", "Table 1") == expected  # title block; "1,000" typed as text
    assert rates_json(MET_BOOK, "--range", "Range!B6:F11") == expected
    assert rates_json(MET_BOOK, "--sheet", "Range", "--range", "B6:F11") == expected
    assert rates_json(MET_BOOK, "--input-sheet", "Range", "--input-range", "B6:F11") == expected  # refresh's names
    assert rates_json(MET_BOOK, "--input-table", "MetVisits", "--input-format", "xlsx") == expected


def test_met_figures_wide_and_long_give_the_same_rates(tmp_path):
    wide = tmp_path / "met-wide.csv"
    wide.write_text(
        "stage,2020,base,unit\n"
        "Identified for a visit,1000,,people\n"
        "Visited,669,Identified for a visit,people\n"
        "Follow-up engagements,156,Visited,contacts\n"
        "Interested in diversion,62,Visited,people\n"
        "Contacted police about diversion,20,none,people\n"
    )
    long = tmp_path / "met-long.csv"
    long.write_text(
        "Measure,Year,Number,Denominator,Unit\n"
        "Identified for a visit,2020,1000,,people\n"
        "Visited,2020,669,Identified for a visit,people\n"
        "Follow-up engagements,2020,156,Visited,contacts\n"
        "Interested in diversion,2020,62,Visited,people\n"
        "Contacted police about diversion,2020,20,none,people\n"
    )
    by_stage = rates_json(MET)
    a, b = rates_json(wide), rates_json(long)
    assert a == b
    assert a["programmes"][0]["name"] == "2020"
    a["programmes"][0]["name"] = None  # a single-programme CSV has no programme name
    assert a == by_stage


def test_prevent_figures_in_every_layout_give_the_same_rates():
    expected = rates_json(PREVENT)
    names = [p["name"] for p in expected["programmes"]]
    assert names == [
        "Year ending March 2019",
        "Year ending March 2020",
        "Year ending March 2021",
        "Year ending March 2024",
    ]
    assert rates_json(INPUTS / "prevent-channel-wide.csv") == expected
    assert rates_json(INPUTS / "prevent-channel-long.csv") == expected
    assert rates_json(PREVENT_BOOK) == expected  # title, source and note rows above, a footnote below


def test_rates_says_which_layout_and_which_columns_it_took():
    r = run("rates", INPUTS / "prevent-channel-long.csv")
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert "layout: long" in err
    assert "'year' as programme, 'measure' as stage, 'value' as count, 'denominator' as base" in err
    r = run("rates", INPUTS / "prevent-channel-wide.csv")
    assert "layout: wide (each of 'Year ending March 2019'," in r.stderr.decode()


def test_layout_override_and_programme_column(tmp_path):
    path = tmp_path / "forces.csv"
    path.write_text("stage,Kent,Essex\nReferred,100,80\nAdopted,10,8\n")
    r = run("rates", path, "--json")
    assert r.returncode == 2  # no digit in the column names: not taken as wide on a guess
    doc = rates_json(path, "--layout", "wide")
    assert [p["name"] for p in doc["programmes"]] == ["Kent", "Essex"]
    assert doc["programmes"][1]["stages"][1]["rate"] == pytest.approx(0.1)

    ambiguous = tmp_path / "open-data.csv"
    ambiguous.write_text("year,area,stage,value\n2021,Kent,Referred,100\n2021,Kent,Adopted,10\n")
    r = run("rates", ambiguous)
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "ambiguous: 'year' (A) and 'area' (B) could each be the programme column" in err
    assert "--programme-column" in err and "line 1" in err
    doc = rates_json(ambiguous, "--programme-column", "area")
    assert [p["name"] for p in doc["programmes"]] == ["Kent"]


# --------------------------------------------------------------------------------------------
# FOI suppression wording

# by the interval each wording stands for
FORMS_BY_INTERVAL = {
    (1, 4): ["1-4"],
    (0, 4): ["0-4", "fewer than 5", "less than 5", "under 5", "<5", "*", "[c]", "c", "~", "low", "redacted"],
    (0, 5): ["<=5", "≤5", "5 or fewer", "up to 5"],
    (0, 9): ["Fewer than 10"],
    (0, None): ["-", "..", "[x]", "[z]", "x", "z"],
}
FORMS = [(text, low, high) for (low, high), texts in FORMS_BY_INTERVAL.items() for text in texts]


@pytest.mark.parametrize("text, low, high", FORMS, ids=[f[0] for f in FORMS])
def test_each_suppression_form_is_its_interval_and_keeps_its_text(text, low, high):
    count = parse_count(text)
    assert (count.low, count.high) == (low, high)
    assert str(count) == text  # shown as published
    assert count.exact is None


def test_suppression_forms_through_the_command_line(tmp_path):
    path = tmp_path / "foi.csv"
    rows = "".join(
        f'"Stage {i} ({text})",{text if "," not in text else chr(34) + text + chr(34)},A\n'
        for i, (text, _l, _h) in enumerate(FORMS)
    )
    path.write_text("stage,count,base\nA,1000,\n" + rows, encoding="utf-8")
    doc = rates_json(path)
    got = [(s["count_low"], s["count_high"]) for s in doc["programmes"][0]["stages"][1:]]
    assert got == [(low, high) for _t, low, high in FORMS]


def test_a_dash_may_mean_zero():
    assert parse_count("-", dash="zero").exact == 0
    assert parse_count("-").high is None


def _counts_of(doc: dict) -> list[tuple]:
    return [(s["stage"], s["count_low"], s["count_high"]) for s in doc["programmes"][0]["stages"]]


def test_which_tokens_mean_not_available_or_zero_is_configurable(tmp_path):
    path = tmp_path / "missing.csv"
    path.write_text("stage,count\nReferred,100\nAssessed,\u2013\nStarted,n/a\nLeft,-9\nOther,..\n")
    r = run("rates", path)  # by default 'n/a' and '-9' are not counts, named by line
    assert r.returncode == 2
    assert "line 4, column 'count': 'n/a' is not a count" in r.stderr.decode()
    assert "line 5, column 'count': a count cannot be negative (-9)" in r.stderr.decode()
    unbounded = [("Referred", 100, 100)] + [(s, 0, None) for s in ("Assessed", "Started", "Left", "Other")]
    assert _counts_of(rates_json(path, "--not-available", "..,-,N/A,-9")) == unbounded
    zeroed = rates_json(path, "--not-available", "n/a, -9, ..", "--zero", "-")  # an en dash is a '-'
    assert _counts_of(zeroed)[1] == ("Assessed", 0, 0) and _counts_of(zeroed)[2:] == unbounded[2:]
    assert _counts_of(rates_json(path, "--not-available", "n/a,-9,..", "--dash", "zero"))[1] == ("Assessed", 0, 0)
    r = run("rates", path, "--not-available", "n/a,-9")  # '..' is the publisher's, and now not listed
    assert r.returncode == 2 and "line 6, column 'count': '..' is not a count" in r.stderr.decode()
    r = run("rates", path, "--not-available", "n/a,-", "--zero", "-")
    assert r.returncode == 2 and "option --not-available: '-' cannot mean both" in r.stderr.decode()
    r = run("rates", path, "--zero=-,,x")  # a list that starts with a dash is given with '='
    assert r.returncode == 2 and "option --zero: the zero tokens are separated by commas" in r.stderr.decode()


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_the_not_available_tokens_reach_every_reader(tmp_path):
    """A workbook, a wide table, and the commands other than rates read them too."""
    book = _book(tmp_path, [["stage", "count"], ["Referred", 100], ["Assessed", "-"]], name="dash.xlsx")
    assert _counts_of(rates_json(book, "--zero", "-"))[1] == ("Assessed", 0, 0)
    wide = tmp_path / "wide.csv"
    wide.write_text("stage,2020,2021\nReferred,100,90\nAssessed,-,n/a\n")
    doc = rates_json(wide, "--zero", "-", "--not-available", "n/a")
    assert [(p["name"], p["stages"][1]["count_high"]) for p in doc["programmes"]] == [("2020", 0), ("2021", None)]
    r = run("claim", "0%", wide, "--zero", "-", "--not-available", "n/a", "--programme", "2020", "--json")
    assert r.returncode == 0, r.stderr.decode()
    assert json.loads(r.stdout)["verdict"] == "reproduced"
    out = tmp_path / "r.xlsx"
    r = run("report", wide, "-o", out, "--zero", "-", "--not-available", "n/a")
    assert r.returncode == 0, r.stderr.decode()
    r = run("refresh", out, wide, "--not-available", "..")  # 'n/a' is no longer read: refused, nothing written
    assert r.returncode == 2 and "'n/a' is not a count" in r.stderr.decode()


def test_a_range_from_high_to_low_is_refused():
    with pytest.raises(ValueError, match="from high to low"):
        parse_count("4-1")


def test_a_report_remembers_its_tokens_for_refresh(tmp_path):
    """Made with --zero - --not-available n/a, a report refreshes from the same file without them
    (its own data sheet, checked for hand edits, is read the same way); options given override."""
    import zipfile

    path = tmp_path / "tokens.csv"
    path.write_text("stage,count\nReferred,100\nAssessed,-\nStarted,n/a\n")
    book = tmp_path / "r.xlsx"
    r = run("report", path, "-o", book, "--zero", "-", "--not-available", "n/a")
    assert r.returncode == 0, r.stderr.decode()
    with zipfile.ZipFile(book) as z:
        assert b'"missing":{"not_available":["n/a"],"zero":["-"]}' in z.read("docProps/custom.xml")
    assert _funnel_counts(book)[1] == (None, "Assessed", 0)
    path.write_text("stage,count\nReferred,120\nAssessed,-\nStarted,n/a\n")
    r = run("refresh", book, path)
    assert r.returncode == 0, r.stderr.decode()
    assert [c for _p, _s, c in _funnel_counts(book)][:2] == [120, 0]
    r = run("refresh", book, path, "--not-available", "n/a,-", "-o", tmp_path / "na.xlsx")  # '-' not available now
    assert r.returncode == 0, r.stderr.decode()
    assert _funnel_counts(tmp_path / "na.xlsx")[1] == (None, "Assessed", "[x]")


# --------------------------------------------------------------------------------------------
# percentages without counts


def test_percentage_intervals_at_their_stated_precision():
    assert percentage_interval("42%", 230_000, 230_000) == (95_450, 97_749)
    assert percentage_interval("9%", 669, 669) == (57, 63)
    assert percentage_interval("9.3%", 669, 669) == (62, 62)  # 61.9.. to 62.5..: only 62
    assert percentage_interval("0%", 669, 669) == (0, 3)  # under 0.5%: 3/669 = 0.448%
    # every whole number in the interval rounds (half up) to the percentage, and its neighbours do not
    for percent, base in (("42%", 230_000), ("9%", 669), ("12.3%", 669), ("6%", 1000)):
        low, high = percentage_interval(percent, base, base)
        p = float(percent.rstrip("%"))
        places = len(percent.rstrip("%").split(".")[1]) if "." in percent else 0
        for n in (low, high):
            assert abs(round(100 * n / base + 1e-12, places) - p) < 1e-9 or abs(100 * n / base - p) <= 0.5 * 10**-places
        assert 100 * (low - 1) / base < p - 0.5 * 10**-places
        assert 100 * (high + 1) / base >= p + 0.5 * 10**-places


def test_nine_percent_of_669_through_the_command_line():
    doc = rates_json(INPUTS / "met-2020-visits-percentages.csv")
    stage = doc["programmes"][0]["stages"][2]
    assert stage["stage"] == "Interested in diversion"
    assert (stage["count"], stage["count_low"], stage["count_high"]) == (None, 57, 63)
    assert "from_percentage" in stage["flags"]
    assert stage["rate_low"] == pytest.approx(57 / 669) and stage["rate_high"] == pytest.approx(63 / 669)


def test_forty_two_percent_of_230000():
    doc = rates_json(INPUTS / "restart-scheme-percentages.csv")
    stage = doc["programmes"][0]["stages"][1]
    assert (stage["count_low"], stage["count_high"]) == (95_450, 97_749)
    assert stage["flags"] == ["from_percentage"]


def test_a_count_from_a_percentage_is_used_by_claims():
    r = run("claim", "9%", INPUTS / "met-2020-visits-percentages.csv", "--json")
    assert r.returncode == 0, r.stderr.decode()
    doc = json.loads(r.stdout)
    assert doc["verdict"] == "reproduced"
    (match,) = [m for m in doc["matches"] if m["numerator"] == ["Interested in diversion"]]
    assert match["denominator"] == "Visited"
    assert (match["value_low"], match["value_high"]) == (pytest.approx(57 / 669), pytest.approx(63 / 669))


def test_a_proportion_column_is_read_as_percentages(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("stage,count,rate\nVisited,669,\nInterested,,0.09\n")
    stage = rates_json(path)["programmes"][0]["stages"][1]
    assert (stage["count_low"], stage["count_high"]) == (57, 63)


def _half_up_counts(percent: str, base: int) -> list[int]:
    """Every whole n of `base` whose percentage, rounded half up to the places `percent` shows, is it."""
    from decimal import ROUND_HALF_UP, Decimal

    digits = percent.rstrip("%")
    quantum = Decimal(1).scaleb(-len(digits.partition(".")[2]))
    return [n for n in range(base + 1) if (Decimal(100 * n) / base).quantize(quantum, ROUND_HALF_UP) == Decimal(digits)]


def test_a_wide_table_of_percentages_below_a_row_of_counts(tmp_path):
    wide = INPUTS / "prevent-channel-wide-percentages.csv"
    doc = rates_json(wide)
    truth = {(p["name"], s["stage"]): s["count"] for p in rates_json(PREVENT)["programmes"] for s in p["stages"]}
    header = wide.read_text().splitlines()[0].split(",")
    cells = {line.split(",")[0]: line for line in wide.read_text().splitlines()[1:]}
    for programme in doc["programmes"]:
        first, discussed, adopted = programme["stages"]
        assert first["count"] == truth[(programme["name"], first["stage"])] and first["flags"] == ["first_stage"]
        # the brute-force oracle: the counts of the (exact) base whose percentage reads as published
        published = cells[discussed["stage"]].split(",")[header.index(programme["name"])]
        allowed = _half_up_counts(published, first["count"])
        assert (discussed["count_low"], discussed["count_high"]) == (allowed[0], allowed[-1])
        assert discussed["count"] is None and "from_percentage" in discussed["flags"]
        for stage in (discussed, adopted):  # the published figures the percentages came from are inside
            assert stage["count_low"] <= truth[(programme["name"], stage["stage"])] <= stage["count_high"]
    # read as the same percentages in one row per stage (a long table with a percent column) are
    long = tmp_path / "long.csv"
    rows = ["programme,stage,count,percent,base"]
    for line in wide.read_text().splitlines()[1:]:
        stage, *values, base = next(csv.reader([line]))
        for year, value in zip(header[1:-1], values, strict=True):
            count, percent = ("", value) if value.endswith("%") else (value.replace(",", ""), "")
            rows.append(f"{year},{stage},{count},{percent},{base}")
    long.write_text("\n".join(rows) + "\n")
    assert rates_json(long)["programmes"] == doc["programmes"]


def test_cells_formatted_as_percentages_read_as_they_show(tmp_path):
    """A workbook's 0.231 formatted 0.0% is the 23.1% its cell shows: the CSV's figures, not a count of 0.231."""
    wide = INPUTS / "prevent-channel-wide-percentages.csv"
    lines = list(csv.reader(wide.read_text().splitlines()))

    def percent_cells(ws):
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.endswith("%"):
                    cell.number_format = "0.0%"
                    cell.value = float(cell.value[:-1]) / 100 + 0.00004  # stored more precisely than shown

    rows = [
        ["Prevent referrals by year"],
        [],
        *([v.replace(",", "") if v[:1].isdigit() and "%" not in v else v for v in r] for r in lines),
    ]
    rows = [[int(v) if isinstance(v, str) and v.isdigit() else v or None for v in r] for r in rows]
    book = _book(tmp_path, rows, name="percent.xlsx", title="Table 1", edit=percent_cells)
    assert rates_json(book) == rates_json(wide)
    assert rates_json(book)["programmes"][0]["stages"][1]["count_high"] == 1328  # not vacuous: 23.1% of 5,737


@pytest.mark.parametrize(
    "code, decimals",
    [("0%", 0), ("0.0%", 1), ("#,##0.00%", 2), ("0.0%;[Red]-0.0%", 1), ('0" %"', None), ("0\\%", None), ("0.0", None)],
)
def test_which_number_formats_show_a_percentage(code, decimals):
    from xlplugin.inputs.xlsxinput import _percent_decimals

    assert _percent_decimals(code) == decimals


def test_a_percentage_in_a_wide_table_without_a_count_above_names_its_cell(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("stage,2020,2021\nReferred,42%,100\nAssessed,50%,50%\n")
    r = run("rates", path)
    assert r.returncode == 2
    assert f"{path}, line 2, column '2020': a percentage needs a count to be a percentage of" in r.stderr.decode()


def test_counts_and_percentages_that_disagree_are_reported_with_their_cell(tmp_path):
    path = tmp_path / "both.csv"
    path.write_text(
        "stage,count,percent,base\nVisited,669,,\nInterested in diversion,62,9%,\nContacted,80,9%,Visited\n"
    )
    r = run("rates", path, "--json")
    assert r.returncode == 0, r.stderr.decode()
    err = r.stderr.decode()
    assert "line 3" not in err  # 62 is 9.27%: agrees
    assert f"{path}, line 4, column 'count': the count 80 and the percentage 9% of Visited (669) disagree" in err
    assert "9% of 669 is 57 to 63" in err and err.count("disagreement") == 1
    (found,) = json.loads(r.stdout)["disagreements"]  # and in the JSON, located
    assert found == {
        "file": str(path),
        "line": 4,
        "column": "count",
        "cell": None,
        "programme": None,
        "stage": "Contacted",
        "count": "80",
        "percent": "9%",
        "base": "Visited",
        "base_count": "669",
        "allowed_low": 57,
        "allowed_high": 63,
        "message": "the count 80 and the percentage 9% of Visited (669) disagree: 9% of 669 is 57 to 63",
    }


def test_figures_that_agree_have_no_disagreements_in_the_json():
    assert rates_json(INPUTS / "met-2020-visits-percentages.csv")["disagreements"] == []
    assert rates_json(MET)["disagreements"] == []


def test_a_disagreement_in_a_workbook_names_the_cell(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data"
    for row in (["stage", "count", "percent"], ["Visited", 669, None], ["Interested", 70, 0.09]):
        ws.append(row)
    path = tmp_path / "both.xlsx"
    book.save(path)
    r = run("rates", path, "--json")
    assert r.returncode == 0, r.stderr.decode()
    assert "Data!B3: the count 70 and the percentage 9% of Visited (669) disagree: 9% of 669 is 57 to 63" in (
        r.stderr.decode()
    )
    (found,) = json.loads(r.stdout)["disagreements"]
    assert (found["cell"], found["line"], found["count"], found["percent"]) == ("Data!B3", None, "70", "9%")
    assert (found["allowed_low"], found["allowed_high"]) == (57, 63)


# --------------------------------------------------------------------------------------------
# workbooks: refusals name the sheet and cell


def _book(tmp_path, rows, name="bad.xlsx", title="Sheet1", edit=None) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if edit:
        edit(ws)
    path = tmp_path / name
    book.save(path)
    return path


def test_a_bad_count_in_a_workbook_names_sheet_and_cell(tmp_path):
    path = _book(
        tmp_path, [["A title"], [], ["stage", "count"], ["Visited", 669], ["Interested", "lots"]], title="Table 1"
    )
    r = run("rates", path)
    assert r.returncode == 2 and r.stdout == b""
    assert f"{path}, 'Table 1'!B5: 'lots' is not a count" in r.stderr.decode()


def test_a_merged_header_is_refused_with_its_cell(tmp_path):
    path = _book(tmp_path, [["stage", "count", None], ["Visited", 669, 1]], edit=lambda ws: ws.merge_cells("B1:C1"))
    r = run("rates", path)
    assert r.returncode == 2
    assert "Sheet1!B1: cells B1:C1 are merged in the table's header" in r.stderr.decode()


def test_a_hidden_row_is_refused_with_its_cell(tmp_path):
    def hide(ws):
        ws.row_dimensions[3].hidden = True

    path = _book(tmp_path, [["stage", "count"], ["Visited", 669], ["Interested", 62]], edit=hide)
    r = run("rates", path)
    assert r.returncode == 2
    assert "Sheet1!A3: this row is hidden" in r.stderr.decode()


def test_footnotes_below_are_skipped_but_more_data_is_refused(tmp_path):
    good = _book(tmp_path, [["stage", "count"], ["Visited", 669], ["Interested", 62], ["Note: figures to June"]])
    doc = rates_json(good)
    assert [s["stage"] for s in doc["programmes"][0]["stages"]] == ["Visited", "Interested"]
    bad = _book(tmp_path, [["stage", "count"], ["Visited", 669], [], ["Other", 5]], name="two.xlsx")
    r = run("rates", bad)
    assert r.returncode == 2
    assert "Sheet1!A4: more data follows the table after a blank row" in r.stderr.decode()


def test_workbook_options_are_checked(tmp_path):
    r = run("rates", MET_BOOK, "--sheet", "Nope")
    assert (
        r.returncode == 2
        and "there is no worksheet 'Nope'; worksheets: 'Table 1', 'Figures', 'Range'" in r.stderr.decode()
    )
    r = run("rates", MET_BOOK, "--table", "Nope")
    assert r.returncode == 2 and "there is no Excel table 'Nope'; tables: 'MetVisits'" in r.stderr.decode()
    r = run("rates", MET_BOOK, "--range", "B6")
    assert r.returncode == 2 and "option --range" in r.stderr.decode()
    r = run("rates", MET, "--sheet", "Table 1")
    assert r.returncode == 2
    assert "--sheet (--input-sheet) chooses data in a workbook, but this is a CSV file" in r.stderr.decode()


def test_a_file_named_xlsx_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(MET.read_bytes())
    r = run("rates", path)
    assert r.returncode == 2 and "named as a workbook but is not one" in r.stderr.decode()


# --------------------------------------------------------------------------------------------
# pipes and standard input


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_standard_input_dash():
    expected = rates_json(MET)
    r = run("rates", "-", "--json", stdin=MET.read_bytes())
    assert r.returncode == 0, r.stderr.decode()
    assert json.loads(r.stdout) == expected
    r = run("rates", "-", "--json", "--format", "xlsx", stdin=MET_BOOK.read_bytes())
    assert json.loads(r.stdout) == expected
    r = run("rates", "-", "--json", stdin=MET_BOOK.read_bytes())  # a workbook tells by its bytes
    assert json.loads(r.stdout) == expected
    r = run("rates", "-", "--format", "csv", stdin=MET_BOOK.read_bytes())
    assert r.returncode == 2 and "--format csv, but this is an Excel workbook" in r.stderr.decode()


def test_printf_pipe_dev_stdin_and_process_substitution():
    if not Path("/dev/stdin").exists():
        pytest.skip("no /dev/stdin on this system")
    py, met = sys.executable, str(MET)
    expected = run("rates", MET).stdout
    assert b"9.27% of Visited" in expected
    forms = {
        "printf | rates -": f"printf 'stage,count\\nIdentified,1000\\nVisited,669\\n' | {py} -m xlplugin rates -",
        "rates /dev/stdin < f": f"{py} -m xlplugin rates /dev/stdin < '{met}'",
        "rates <(cat f)": f"{py} -m xlplugin rates <(cat '{met}')",
        "python -m xlplugin rates f": f"{py} -m xlplugin rates '{met}'",
    }
    for label, command in forms.items():
        r = subprocess.run(["bash", "-c", command], capture_output=True, timeout=120)
        assert r.returncode == 0, (label, r.stderr.decode())
        if label.startswith("printf"):
            assert b"66.90% of Identified" in r.stdout, label
        else:
            assert r.stdout == expected, label


def test_report_from_standard_input(tmp_path):
    out = tmp_path / "met.xlsx"
    r = run("report", "-", "-o", out, stdin=MET.read_bytes())
    assert r.returncode == 0, r.stderr.decode()
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("size", [0, 1, 1000, 256 * 1024, 256 * 1024 + 1, 3_000_000])
def test_sha256_is_hashlibs_on_either_side_of_the_builtin_threshold(size):
    import hashlib

    from xlplugin.inputs.loader import sha256_hex

    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    assert sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_load_hands_on_bytes_digest_and_table():
    import hashlib

    loaded = load(MET_BOOK, options=ReadOptions(sheet="Table 1"))
    assert loaded.data == MET_BOOK.read_bytes()
    assert loaded.sha256 == hashlib.sha256(MET_BOOK.read_bytes()).hexdigest()
    assert loaded.format == "xlsx" and loaded.layout == "one-row-per-stage"
    assert loaded.table.header == ["stage", "count", "base", "unit", "note"]
    assert loaded.table.lines[0] == 5 and loaded.table.rows[0][1] == "1,000"
    spec = load(EXAMPLES / "met-2020-visits.toml")
    assert spec.spec is not None and spec.path == MET and spec.data == MET.read_bytes()


# --------------------------------------------------------------------------------------------
# hostile workbooks are refused before openpyxl sees them


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_hostile_workbooks_as_input_are_refused_before_openpyxl(tmp_path, monkeypatch):
    bombs = fuzz_module("bombs")
    base = tmp_path / "base.xlsx"
    base.write_bytes(MET_BOOK.read_bytes())
    parts = ["[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/styles.xml"]
    cases = {
        f"billion laughs in {part}": bombs.billion_laughs(base, tmp_path / f"laughs{i}.xlsx", part)
        for i, part in enumerate([*parts, bombs.first_sheet(base)])
    }
    words = dict.fromkeys(cases, "DTD")
    cases |= {
        "external entity": bombs.external_entity(base, tmp_path / "xxe.xlsx"),
        "external parameter entity": bombs.parameter_entity(base, tmp_path / "param.xlsx"),
        "quadratic blowup": bombs.quadratic_blowup(base, tmp_path / "quadratic.xlsx"),
        "100,000-deep nesting": bombs.deep_nesting(base, tmp_path / "deep.xlsx"),
        "10,001 entries": bombs.many_entries(base, tmp_path / "entries.xlsx"),
        "zip bomb": bombs.zip_bomb(base, tmp_path / "bomb.xlsx", uncompressed=300 * bombs.MB),
        "lying zip bomb": bombs.zip_bomb(base, tmp_path / "liar.xlsx", uncompressed=300 * bombs.MB, declare=1000),
    }
    words |= {
        "external entity": "DTD",
        "external parameter entity": "DTD",
        "quadratic blowup": "DTD",
        "100,000-deep nesting": "no <sheets> list",
        "10,001 entries": "over the 10,000 limit",
        "zip bomb": "zip bomb",
        "lying zip bomb": "bomb.bin",
    }
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # any import of openpyxl now fails
    for name, path in cases.items():
        with pytest.raises(InputError) as err:
            load(path)
        assert words[name] in str(err.value), (name, str(err.value))
        assert "openpyxl" not in str(err.value), name
    # and the guard is real: a good workbook does reach openpyxl, which is blocked here
    with pytest.raises(InputError, match="needs openpyxl"):
        load(base)


@pytest.mark.slow  # tens of seconds: run by `make test`, not by `make check`
def test_hostile_workbook_through_rates_under_a_memory_limit(tmp_path):
    bombs = fuzz_module("bombs")
    base = tmp_path / "base.xlsx"
    base.write_bytes(MET_BOOK.read_bytes())
    for path, word in (
        (bombs.billion_laughs(base, tmp_path / "laughs.xlsx", bombs.first_sheet(base)), "DTD"),
        (bombs.zip_bomb(base, tmp_path / "bomb.xlsx"), "zip bomb"),
        (bombs.zip_bomb(base, tmp_path / "sheet.xlsx", part=bombs.first_sheet(base), declare=4000), "sheet1.xml"),
    ):
        code, err, _seconds, _peak = bombs.run_cli("rates", path)
        assert code == 2, err
        assert word in err and "Traceback" not in err


def test_openpyxl_is_imported_only_when_a_workbook_is_read():
    code = (
        "import sys, io, contextlib\n"
        "from xlplugin.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    main(['rates', sys.argv[1]])\n"
        "print(','.join(m for m in ('openpyxl', 'defusedxml', 'zipfile') if m in sys.modules))\n"
    )
    csv = subprocess.run([sys.executable, "-c", code, str(INPUTS / "prevent-channel-wide.csv")], capture_output=True)
    assert csv.returncode == 0, csv.stderr.decode()
    assert csv.stdout.decode().strip() == ""
    book = subprocess.run([sys.executable, "-c", code, str(PREVENT_BOOK)], capture_output=True)
    assert book.returncode == 0, book.stderr.decode()
    assert book.stdout.decode().strip() == "openpyxl,defusedxml,zipfile"


@pytest.mark.slow  # a million-row sheet: `make test` runs it, `make check` does not
def test_a_lying_sheet_dimension_and_a_far_row_cost_nothing(tmp_path):
    """A sheet claiming A1:XFD1048576 with a cell in its last row: read row by row, not padded."""
    import re
    import zipfile

    good = _book(tmp_path, [["stage", "count"], ["Visited", 669], ["Interested", 62]], name="good.xlsx")
    path = tmp_path / "far.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension [^>]*/>", b'<dimension ref="A1:XFD1048576"/>', data)
                far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>Source: x</t></is></c></row>'
                data = data.replace(b"</sheetData>", far + b"</sheetData>")
            out.writestr(info, data)
    doc = rates_json(path)
    assert [(s["stage"], s["count"]) for s in doc["programmes"][0]["stages"]] == [("Visited", 669), ("Interested", 62)]
    r = run("rates", path, "--range", "A1:XFD20")
    assert r.returncode == 2 and "16,384 columns wide" in r.stderr.decode()
    assert rates_json(path, "--range", "A1:B1048576") == doc


# --------------------------------------------------------------------------------------------
# check and refresh read INPUT as rates does


NEW_MET = (
    "stage,count,base,unit\n"
    "Identified for a visit,1200,,people\n"
    "Visited,800,Identified for a visit,people\n"
    "Interested in diversion,90,Visited,people\n"
)


def _report(tmp_path, source: Path = MET) -> Path:
    out = tmp_path / "report.xlsx"
    r = run("report", source, "-o", out, "--timestamp", "2021-06-17")
    assert r.returncode == 0, r.stderr.decode()
    return out


def _funnel_counts(path: Path) -> list[tuple]:
    """(programme, stage, count) of each row of a report's funnel table, read back with openpyxl."""
    ws = openpyxl.load_workbook(path)["Funnel"]
    rows = [[c.value for c in row] for row in ws[ws.tables["xlp_funnel"].ref]]
    header = [str(h).lower() for h in rows[0]]
    where = [header.index(h) if h in header else None for h in ("programme", "stage", "count (number)")]
    return [tuple(None if i is None else r[i] for i in where) for r in rows[1:]]


def test_refresh_reads_standard_input_once(tmp_path):
    book = _report(tmp_path)
    assert (None, "Visited", 669) in _funnel_counts(book)  # not vacuous: the old figures first
    new = tmp_path / "new.csv"
    new.write_text(NEW_MET)
    r = subprocess.run(
        ["bash", "-c", f"cat '{new}' | '{sys.executable}' -m xlplugin refresh '{book}' -"],
        capture_output=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr.decode()
    assert [(s, c) for _, s, c in _funnel_counts(book)] == [
        ("Identified for a visit", 1200),
        ("Visited", 800),
        ("Interested in diversion", 90),
    ]


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_refresh_from_a_workbook_with_input_options(tmp_path):
    book = _report(tmp_path)
    rows = [[int(v) if v.isdigit() else v or None for v in line.split(",")] for line in NEW_MET.splitlines()]
    new = _book(tmp_path, [["New figures"], [], *rows], name="new.xlsx", title="Data")
    r = run("refresh", book, new, "--input-sheet", "Data", "-o", tmp_path / "a.xlsx")
    assert r.returncode == 0, r.stderr.decode()
    expected = [("Identified for a visit", 1200), ("Visited", 800), ("Interested in diversion", 90)]
    assert [(s, c) for _, s, c in _funnel_counts(tmp_path / "a.xlsx")] == expected
    r = run("refresh", book, new, "--input-range", "Data!A3:D6", "-o", tmp_path / "b.xlsx")
    assert r.returncode == 0, r.stderr.decode()
    assert [(s, c) for _, s, c in _funnel_counts(tmp_path / "b.xlsx")] == expected
    r = run("refresh", book, new, "--input-sheet", "Nope", "-o", tmp_path / "c.xlsx")
    assert r.returncode == 2 and "Nope" in r.stderr.decode() and not (tmp_path / "c.xlsx").exists()
    r = run("refresh", book, new, "--sheet", "Data")  # refresh's own --sheet goes with --table
    assert r.returncode == 2 and "--input-sheet" in r.stderr.decode()


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_refresh_from_a_wide_table_equals_refresh_from_the_long_one(tmp_path):
    book = _report(tmp_path, PREVENT)
    first = _funnel_counts(book)
    assert ("Referred to Prevent", 6922) in [(s, c) for _, s, c in first]
    for source, extra in (
        (INPUTS / "prevent-channel-wide.csv", ()),
        (INPUTS / "prevent-channel-long.csv", ()),
        (PREVENT_BOOK, ("--input-format", "xlsx")),
    ):
        out = tmp_path / f"{source.stem}.xlsx"
        r = run("refresh", book, source, *extra, "-o", out)
        assert r.returncode == 0, (source, r.stderr.decode())
        assert _funnel_counts(out) == first, source
    r = run("refresh", book, INPUTS / "prevent-channel-wide.csv", "--layout", "long", "-o", tmp_path / "x.xlsx")
    assert r.returncode == 2 and "the header has no 'count' column" in r.stderr.decode()  # --layout is heard


def test_refresh_table_writes_a_workbook_range_as_a_table(tmp_path):
    target = _book(tmp_path, [["my", "sheet"], [1, 2]], name="target.xlsx")
    r = run("refresh", target, MET_BOOK, "--table", "Fresh", "--input-range", "Range!B6:F11")
    assert r.returncode == 0, r.stderr.decode()
    ws = openpyxl.load_workbook(target)["Fresh"]
    rows = [[c.value for c in row] for row in ws[ws.tables["Fresh"].ref]]
    assert rows[0] == ["stage", "count", "base", "unit", "note"]
    assert [(r[0], r[1]) for r in rows[1:3]] == [("Identified for a visit", 1000), ("Visited", 669)]  # numbers
    r = run("refresh", target, MET_BOOK, "--table", "Again", "--layout", "wide")
    assert r.returncode == 2 and "--layout reads a funnel" in r.stderr.decode()
    r = run("refresh", target, MET_BOOK, "--table", "Again", "--zero", "-")
    assert r.returncode == 2 and "option --zero: --zero reads a funnel" in r.stderr.decode()


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_check_reads_input_as_rates_does(tmp_path):
    article = ROOT / "tests" / "data" / "articles" / "01-lbc-met-visits-2021.txt"
    expected = run("check", article, MET, "--json")
    assert expected.returncode == 0, expected.stderr.decode()
    doc = json.loads(expected.stdout)
    assert doc["claims"], "not vacuous: the article has claims"
    for extra in (("--sheet", "Table 1"), ("--table", "MetVisits"), ("--range", "Range!B6:F11")):
        r = run("check", article, MET_BOOK, *extra, "--json")
        assert r.returncode == 0, (extra, r.stderr.decode())
        got = json.loads(r.stdout)
        assert {**got, "input": None} == {**doc, "input": None}, extra
    r = run("check", article, "-", "--json", "--format", "xlsx", stdin=MET_BOOK.read_bytes())
    assert r.returncode == 0, r.stderr.decode()
    assert json.loads(r.stdout)["claims"] == doc["claims"]
    out = tmp_path / "claims.xlsx"
    r = run("check", article, "-", "-o", out, stdin=MET.read_bytes())  # the workbook from standard input, read once
    assert r.returncode == 0, r.stderr.decode()
    assert (None, "Visited", 669) in _funnel_counts(out)
