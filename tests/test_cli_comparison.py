"""`rates` with periods (changes) and with areas (the funnel plot), through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run_xlplugin
from oracles import oracle

DATA = Path(__file__).parent / "data"
WYP = DATA / "comparison" / "west-yorkshire-clares-law.csv"
AREAS = DATA / "comparison" / "areas-43.csv"

sm_proportion = oracle("statsmodels.stats.proportion")


def run(*args):
    return run_xlplugin(*args, text=True)


def test_rates_text_west_yorkshire_says_no_clear_change():
    r = run("rates", WYP)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("Disclosures  2016"))
    assert "+14.7" in line and "-0.4 to +28.4" in line and "no clear change" in line


def test_rates_json_changes_match_statsmodels():
    r = run("rates", WYP, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["periods"] == ["2016", "2017"]
    (c,) = doc["changes"]
    lo, hi = sm_proportion.confint_proportions_2indep(46, 101, 21, 68, method="newcomb", compare="diff")
    assert (c["stage"], c["from"], c["to"]) == ("Disclosures", "2016", "2017")
    assert c["difference"] == pytest.approx(46 / 101 - 21 / 68, abs=1e-12)
    assert (c["ci_lower"], c["ci_upper"]) == pytest.approx((lo, hi), abs=1e-12)
    assert c["relative_change"] == pytest.approx((46 - 21) / 21)
    assert c["clear"] is False
    assert "funnel_plot" not in doc  # periods get no funnel plot


def test_periods_are_ordered_in_time(tmp_path):
    csv = tmp_path / "years.csv"
    csv.write_text(
        "programme,stage,count\n"
        "Year ending March 2021,Referred,100\nYear ending March 2021,Adopted,50\n"
        "2018/19,Referred,100\n2018/19,Adopted,20\n"
    )
    doc = json.loads(run("rates", csv, "--json").stdout)
    assert doc["periods"] == ["2018/19", "Year ending March 2021"]
    (c,) = doc["changes"]
    assert (c["from"], c["to"], c["clear"]) == ("2018/19", "Year ending March 2021", True)
    assert c["difference"] == pytest.approx(0.3)


def test_period_column_and_periods_option_declare_periods(tmp_path):
    csv = tmp_path / "waves.csv"
    csv.write_text(
        "period,stage,count\nWave one,Referred,100\nWave one,Adopted,50\nWave two,Referred,100\n"
        "Wave two,Adopted,20\nWave three,Referred,10\nWave three,Adopted,2\n"
    )
    doc = json.loads(run("rates", csv, "--json").stdout)
    assert doc["periods"] == ["Wave one", "Wave two", "Wave three"]
    assert "funnel_plot" not in doc
    plain = tmp_path / "waves-programme.csv"
    plain.write_text(csv.read_text().replace("period,", "programme,", 1))
    assert "funnel_plot" in json.loads(run("rates", plain, "--json").stdout)
    doc = json.loads(run("rates", plain, "--json", "--periods").stdout)
    assert doc["periods"] == ["Wave one", "Wave two", "Wave three"]


def test_rates_json_funnel_plot_for_areas_with_overdispersion():
    doc = json.loads(run("rates", AREAS, "--json").stdout)
    fp = doc["funnel_plot"]
    assert fp["adjustment"] == "additive" and fp["phi"] > 2
    assert len(fp["programmes"]) == 43
    assert set(fp["programmes"][0]) >= {"name", "rate", "z", "p_value", "outside_95", "outside_998"}
    adjusted = sum(p["outside_95"] for p in fp["programmes"])
    plain = sum(p["plain"]["outside_95"] for p in fp["programmes"])
    assert adjusted < plain
    none = json.loads(run("rates", AREAS, "--json", "--overdispersion", "none").stdout)["funnel_plot"]
    assert none["adjustment"] == "none"
    assert sum(p["outside_95"] for p in none["programmes"]) == plain
    mult = json.loads(run("rates", AREAS, "--json", "--overdispersion", "multiplicative").stdout)["funnel_plot"]
    z = {p["name"]: p["z"] for p in mult["programmes"]}
    z_plain = {p["name"]: p["plain"]["z"] for p in mult["programmes"]}
    assert all(z[k] == pytest.approx(z_plain[k] / mult["phi"] ** 0.5) for k in z)


def test_bad_overdispersion_choice_exits_2():
    r = run("rates", AREAS, "--overdispersion", "sideways")
    assert r.returncode == 2 and "Traceback" not in r.stderr
