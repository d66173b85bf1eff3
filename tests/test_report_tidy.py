"""The tidy CSV companion (`report --csv DIR`): read back with the csv module, exactly the core's numbers."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xlplugin.core.intervals import binom_two_sided_p
from xlplugin.core.rates import MIXED_UNITS, denominator_table, funnel_rates
from xlplugin.inputs.spec import load_input
from xlplugin.report import build_report

EXAMPLES = Path(__file__).parent / "data" / "examples"
MET = EXAMPLES / "met-2020-visits.toml"
PREVENT = EXAMPLES / "prevent-channel.csv"
STAMP = "2026-01-01T00:00:00Z"
SHORTHAND = re.compile(r"^\[[cxz]\]$")
SUPPRESSED_CSV = "stage,count,base\nReferred,1200,\nAssessed,<5,Referred\nSupported,[x],Assessed\n"


def _read(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _number(text: str):
    return None if text == "" else float(text)


def _areas_csv(folder: Path) -> Path:
    """Five areas (programmes): enough for a funnel plot."""
    lines = ["programme,stage,count,base"]
    for i, (referred, adopted) in enumerate([(900, 95), (1200, 150), (400, 31), (2500, 240), (700, 90)]):
        lines += [f"Area {i},Referred,{referred},", f"Area {i},Adopted,{adopted},Referred"]
    path = folder / "areas.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tidy(tmp_path_factory):
    out = {}
    for name, source in (("met", MET), ("prevent", PREVENT), ("areas", None)):
        folder = tmp_path_factory.mktemp(name)
        source = source or _areas_csv(folder)
        build_report(source, folder / "r.xlsx", timestamp=STAMP, csv_dir=folder / "csv")
        out[name] = (folder / "csv", source)
    return out


@pytest.mark.parametrize("case", ["met", "prevent"])
def test_funnel_csv_is_exactly_the_core(tidy, case):
    folder, source = tidy[case]
    funnel, _, _ = load_input(source)
    rows = _read(folder, "funnel.csv")
    expected = [(p, s, sr) for p in funnel.programmes for s, sr in zip(p.stages, funnel_rates(p), strict=True)]
    assert len(rows) == len(expected)
    for row, (programme, stage, sr) in zip(rows, expected, strict=True):
        assert row["stage"] == stage.name
        if len(funnel.programmes) > 1:
            assert row["programme"] == programme.name
        assert int(row["count"]) == stage.count.exact
        mixed = MIXED_UNITS in sr.flags
        for column, value in (("rate_of_base", sr.rate), ("ci_lower_95", sr.ci_lower), ("ci_upper_95", sr.ci_upper)):
            got = _number(row[column])
            if mixed or value is None:
                assert got is None and SHORTHAND.match(row[f"{column}_status"]), (column, row)
            else:
                assert got == value and row[f"{column}_status"] == ""  # exactly, not approximately
        assert _number(row["rate_of_first_stage"]) == sr.rate_of_first
        assert _number(row["drop_off_from_base"]) == sr.drop_off


def test_denominators_csv_is_exactly_the_core(tidy):
    folder, source = tidy["met"]
    funnel, _, _ = load_input(source)
    rows = _read(folder, "denominators.csv")
    defs = denominator_table(funnel.programmes[0])
    assert len(rows) == len(defs)
    for row, d in zip(rows, defs, strict=True):
        assert (row["numerator"], row["denominator"]) == (" + ".join(d.numerator), d.denominator)
        assert int(row["numerator_count"]) == d.num_count.exact and int(row["denominator_count"]) == d.den_count.exact
        expected = None if d.mixed_units else d.rate_range.rate
        assert _number(row["rate"]) == expected
    by_definition = {(r["numerator"], r["denominator"]): float(r["rate"] or "nan") for r in rows}
    assert by_definition["Interested in diversion", "Visited"] == 62 / 669


def test_funnel_plot_csv_p_values(tidy):
    """The funnel plot's table: the pooled rate over all areas and each area's exact binomial p-value."""
    folder, _source = tidy["areas"]
    rows = _read(folder, "funnel_plot_data.csv")
    assert len(rows) == 5
    adopted = [int(r["adopted"]) for r in rows]
    referred = [int(r["referred"]) for r in rows]
    pooled = sum(adopted) / sum(referred)
    for row, x, n in zip(rows, adopted, referred, strict=True):
        assert float(row["rate"]) == x / n
        assert float(row["target_rate"]) == pooled
        assert float(row["exact_binomial_p_value"]) == binom_two_sided_p(x, n, pooled)


@pytest.mark.parametrize("case", ["met", "prevent", "areas"])
def test_metadata_lists_every_column(tidy, case):
    folder, _ = tidy[case]
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    files = sorted(p.name for p in folder.glob("*.csv"))
    assert sorted(r["path"] for r in package["resources"]) == files
    assert "contents.csv" not in files
    for resource in package["resources"]:
        with open(folder / resource["path"], newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            body = list(reader)
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == header
        assert all(f["title"] and f["type"] in ("string", "number", "integer") for f in fields)
        for j, field in enumerate(fields):
            values = [row[j] for row in body]
            if field["type"] in ("number", "integer"):
                for v in values:  # plain numbers only: no %, no thousands separators, no shorthand
                    assert v == "" or re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", v), (resource["name"], field, v)
                if field["type"] == "integer":
                    assert all(v == "" or v.lstrip("-").isdigit() for v in values)
            if field["name"].endswith("_status"):
                assert all(v == "" or SHORTHAND.match(v) for v in values)
            if field.get("unit") == "proportion (0-1)":
                assert all(v == "" or 0 <= float(v) <= 1 for v in values)
            # percentages in the workbook are fractions here, with their unit said
            if field["title"].endswith("(%)") and field["type"] != "string":
                assert field.get("unit") in ("proportion (0-1)", "fraction (1 = 100%)"), field
    rate = next(
        f
        for r in package["resources"]
        if r["name"] == "funnel"
        for f in r["schema"]["fields"]
        if f["name"] == "rate_of_base"
    )
    assert rate["unit"] == "proportion (0-1)" and rate["title"] == "Rate of base (%)"


def test_suppressed_counts_get_status_not_text(tmp_path):
    source = tmp_path / "s.csv"
    source.write_text(SUPPRESSED_CSV, encoding="utf-8")
    build_report(source, tmp_path / "s.ods", timestamp=STAMP, csv_dir=tmp_path / "csv")
    rows = _read(tmp_path / "csv", "funnel.csv")
    assessed = next(r for r in rows if r["stage"] == "Assessed")
    assert assessed["count"] == "" and assessed["count_status"] == "[c]"
    supported = next(r for r in rows if r["stage"] == "Supported")
    assert supported["count"] == "" and supported["count_status"] == "[x]"


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_cli_refuses_to_overwrite_the_csvs_and_writes_nothing(tmp_path):
    cmd = [sys.executable, "-m", "xlplugin.cli", "report", str(MET), "--timestamp", STAMP]
    first = subprocess.run(
        [*cmd, "-o", str(tmp_path / "a.xlsx"), "--csv", str(tmp_path / "csv")], capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    again = subprocess.run(
        [*cmd, "-o", str(tmp_path / "b.xlsx"), "--csv", str(tmp_path / "csv")], capture_output=True, text=True
    )
    assert again.returncode == 2 and "exists in the --csv folder" in again.stderr
    assert not (tmp_path / "b.xlsx").exists()
    forced = subprocess.run(
        [*cmd, "-o", str(tmp_path / "b.xlsx"), "--csv", str(tmp_path / "csv"), "--force"],
        capture_output=True,
        text=True,
    )
    assert forced.returncode == 0, forced.stderr
    missing = subprocess.run(
        [*cmd, "-o", str(tmp_path / "c.xlsx"), "--csv", str(tmp_path / "no" / "such")], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr and not (tmp_path / "c.xlsx").exists()
