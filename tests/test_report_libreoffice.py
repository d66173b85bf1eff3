"""The example reports, as LibreOffice shows them, carry exactly the core's numbers.

For each example (the Met visits spec, the Prevent CSV, and the Met spec at 99% with Jeffreys
intervals), in default mode (rates as formulas with cached values) and with ``publish=True``
(values only):

- the accessibility checker finds nothing;
- LibreOffice opens it twice, once forced to recalculate every formula and once trusting the
  cached values (what a non-calculating viewer shows), exports every sheet at full precision,
  and every count, rate, interval bound, drop-off, pooled rate, p-value and control limit it
  shows equals the core's own number (``xlplugin.core.rates`` / ``xlplugin.core.intervals``) to 1e-9;
  cells without a number show GSS shorthand (``[z]``, ``[c]``, ``[x]``);
- no cell anywhere is an error (``#VALUE!``, ``#DIV/0!``, ``Err:502`` ...).

Cells are found through the workbook's own Excel tables (their names are the report's ownership
contract, ``xlplugin.report.ownership.TABLE_NAMES``) and header texts, never fixed addresses.
"""

from __future__ import annotations

import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import lo_harness as lo
import pytest

from xlplugin.accessibility import checker as accessibility
from xlplugin.core.intervals import binom_two_sided_p, funnel_limits
from xlplugin.core.rates import MIXED_UNITS, denominator_table, funnel_rates, rate_range
from xlplugin.inputs.spec import load_input

report = pytest.importorskip("xlplugin.report")
from xlplugin.report.ownership import TABLE_NAMES  # noqa: E402

pytestmark = pytest.mark.libreoffice

EXAMPLES = Path(__file__).parent / "data" / "examples"
TOLERANCE = 1e-9
TIMESTAMP = "2026-01-01T00:00:00Z"
SHORTHAND = re.compile(r"^\[[a-z]\]$")

CASES = {
    "met": ("met-2020-visits.toml", {}),
    "prevent": ("prevent-channel.csv", {}),
    "met-99-jeffreys": ("met-2020-visits.toml", {"confidence": 0.99, "method": "jeffreys"}),
    "suppressed": ("suppressed.csv", {}),
    "outside-base": ("outside-base.csv", {}),
}

SUPPRESSED_CSV = """programme,stage,count,base,unit,rounding,note
North,Referred,1200,,people,,
North,Assessed,<5,Referred,people,,Small count suppressed
North,Supported,[x],Assessed,people,,
South,Referred,980,,people,10,
South,Assessed,310,Referred,people,10,
South,Supported,40,Assessed,people,10,
@SUM(1+1),Referred,700,,people,,
@SUM(1+1),-2+3,220,Referred,people,,
@SUM(1+1),"=HYPERLINK(""http://example.invalid"",""x"")",60,-2+3,people,,
"""
"""Three programmes (so a funnel plot), a suppressed (<5) and an unavailable ([x]) count, counts
rounded to the nearest 10, and a programme and stages named like formulas (LibreOffice must show
them as the text they are: the checks compare names, and no cell may be an error)."""


OUTSIDE_BASE_CSV = """stage,count,base,unit
Identified for a visit,1000,,people
Visited,669,Identified for a visit,people
Interested in diversion,62,Visited,people
Contacted police about diversion,20,none,people
Took up diversion after phoning,5,Contacted police about diversion,people
Called back,700,none,people
"""
"""A stage whose base is a stage outside the funnel ("of the 20 who phoned in, 5 took up
diversion"), and an outside stage so large that a sum with it exceeds the denominator (no
proportion interval: [z])."""

WRITTEN = {"suppressed.csv": SUPPRESSED_CSV, "outside-base.csv": OUTSIDE_BASE_CSV}


def _input(folder: Path, name: str) -> Path:
    if name in WRITTEN:
        path = folder / name
        path.write_text(WRITTEN[name], encoding="utf-8")
        return path
    return EXAMPLES / name


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every (case, publish) report, built once."""
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for case, (name, options) in CASES.items():
        for publish in (False, True):
            path = folder / f"{case}{'-publish' if publish else ''}.xlsx"
            report.build_report(_input(folder, name), path, publish=publish, force=True, timestamp=TIMESTAMP, **options)
            out[case, publish] = path
    out["folder"] = folder
    return out


_EXPORTS: dict = {}


def exported(path: Path, recalc: bool):
    """LibreOffice's full-precision export of every sheet (cached per run)."""
    key = (Path(path).resolve(), recalc)
    if key not in _EXPORTS:
        _EXPORTS[key] = lo.export_sheets_csv(path, recalc=recalc)
    return _EXPORTS[key]


@pytest.fixture(scope="module")
def exports(built, tmp_path_factory):
    """Every report exported in two soffice calls (recalculated, cached), run side by side."""
    lo.require_soffice()
    paths = [path for key, path in built.items() if key != "folder"]
    folder = tmp_path_factory.mktemp("exports")
    with ThreadPoolExecutor(max_workers=2) as pool:
        batches = {
            recalc: pool.submit(lo.export_many, paths, folder / str(recalc), recalc=recalc) for recalc in (True, False)
        }
        for recalc, future in batches.items():
            for path, sheets in future.result().items():
                _EXPORTS[path, recalc] = sheets
    return _EXPORTS


# ------------------------------------------------------------------------------------------
# Reading LibreOffice's export through the workbook's tables


def table_rows(path: Path, sheets: dict, table_name: str) -> tuple[list[str], list[dict[str, str]]] | None:
    """(headers, body rows as header -> LibreOffice text) for the named Excel table (or, in an
    .ods, database range), or None."""
    if Path(path).suffix.lower() == ".ods":
        from ods_reader import ods_tables

        tables = ods_tables(path)
    else:
        tables = [(s.name, t) for s in accessibility.load_workbook(path).worksheets for t in s.tables]
    for sheet_name, table in tables:
        if table.name != table_name:
            continue
        top, left, bottom, right = table.bounds
        grid = sheets[sheet_name]

        def text(row, col, grid=grid):
            line = grid[row - 1] if row - 1 < len(grid) else []
            return line[col - 1] if col - 1 < len(line) else ""

        headers = [text(top, c) for c in range(left, right + 1)]
        assert headers == table.columns, f"{table_name}: LibreOffice shows headers {headers}, not {table.columns}"
        rows = [
            {h: text(r, c) for h, c in zip(headers, range(left, right + 1), strict=True)}
            for r in range(top + 1, bottom + 1)
        ]
        return headers, rows
    return None


class Checker:
    """Collects every mismatch, so one run reports them all."""

    def __init__(self, label: str):
        self.label = label
        self.problems: list[str] = []
        self.compared = 0

    def number(self, where: str, text: str, expected: float | int | None) -> None:
        """`expected` None: the cell must show GSS shorthand; else the number, to 1e-9."""
        self.compared += 1
        if expected is None:
            if not SHORTHAND.match(text.strip()):
                self.problems.append(f"{where}: expected shorthand such as [z], LibreOffice shows {text!r}")
            return
        got = lo.parse_cell(text)
        if not isinstance(got, float):
            self.problems.append(f"{where}: expected {expected!r}, LibreOffice shows text {text!r}")
        elif abs(got - expected) > TOLERANCE:
            self.problems.append(f"{where}: expected {expected!r}, LibreOffice shows {text!r} ({got - expected:+.3g})")

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            self.problems.append(message)

    def done(self) -> None:
        assert not self.problems, f"{self.label}: {len(self.problems)} mismatches:\n" + "\n".join(self.problems[:40])


def _column(headers: list[str], suffix: str) -> str | None:
    found = [h for h in headers if h.endswith(suffix)]
    return found[0] if found else None


def _exact(count) -> int | None:
    return count.exact if count.kind == "exact" else None


def _stage_named(programme, text: str, *, required: bool = True):
    """The stage whose name matches `text` ignoring the case of its first letter."""
    for stage in programme.stages:
        if stage.name.lower() == text.strip().lower():
            return stage
    if required:
        raise AssertionError(f"no stage named {text!r} in {programme.name!r}")
    return None


# ------------------------------------------------------------------------------------------
# Per-table expectations from the core


def check_funnel(check, path, sheets, funnel, confidence, method):
    headers, rows = table_rows(path, sheets, TABLE_NAMES["funnel"])
    several = len(funnel.programmes) > 1
    expected_rows = []
    for programme in funnel.programmes:
        for stage, sr in zip(programme.stages, funnel_rates(programme, confidence, method), strict=False):
            expected_rows.append((programme, stage, sr))
    check.require(len(rows) == len(expected_rows), f"funnel: {len(rows)} rows, expected {len(expected_rows)}")
    lower, upper = _column(headers, "CI lower (%)"), _column(headers, "CI upper (%)")
    check.require(lower == f"{confidence * 100:g}% CI lower (%)", f"funnel: CI header {lower!r}")
    for row, (programme, stage, sr) in zip(rows, expected_rows, strict=False):
        where = f"Funnel [{programme.name}] {stage.name}"
        check.require(row["Stage"] == stage.name, f"{where}: LibreOffice shows stage {row['Stage']!r}")
        if several:
            check.require(row["Programme"] == programme.name, f"{where}: programme {row['Programme']!r}")
        mixed = MIXED_UNITS in sr.flags
        if stage.count.kind == "exact":
            check.number(f"{where} count", row["Count (number)"], stage.count.exact)
        check.number(f"{where} rate of base", row["Rate of base (%)"], None if mixed else sr.rate)
        if "Lowest possible rate of base (%)" in row:
            check.number(
                f"{where} lowest rate", row["Lowest possible rate of base (%)"], None if mixed else sr.rate_low
            )
            check.number(
                f"{where} highest rate", row["Highest possible rate of base (%)"], None if mixed else sr.rate_high
            )
        check.number(f"{where} CI lower", row[lower], None if mixed else sr.ci_lower)
        check.number(f"{where} CI upper", row[upper], None if mixed else sr.ci_upper)
        check.number(f"{where} rate of first stage", row["Rate of first stage (%)"], sr.rate_of_first)
        check.number(f"{where} drop-off", row["Drop-off from base (number)"], sr.drop_off)


def _definitions(funnel, confidence, method):
    return [(p, d) for p in funnel.programmes for d in denominator_table(p, confidence, method)]


def check_denominators(check, path, sheets, funnel, confidence, method):
    headers, rows = table_rows(path, sheets, TABLE_NAMES["denominators"])
    definitions = _definitions(funnel, confidence, method)
    check.require(len(rows) == len(definitions), f"denominators: {len(rows)} rows, expected {len(definitions)}")
    lower, upper = _column(headers, "CI lower (%)"), _column(headers, "CI upper (%)")
    for row, (programme, d) in zip(rows, definitions, strict=False):
        where = f"Denominators [{programme.name}] {d.label}"
        check.require(
            row["Numerator (stages)"] == " + ".join(d.numerator) and row["Denominator (stage)"] == d.denominator,
            f"{where}: numerator/denominator {row['Numerator (stages)']!r}/{row['Denominator (stage)']!r}",
        )
        if d.num_count.kind == "exact":
            check.number(f"{where} numerator", row["Numerator count (number)"], d.num_count.exact)
        if d.den_count.kind == "exact":
            check.number(f"{where} denominator", row["Denominator count (number)"], d.den_count.exact)
        rr, mixed = d.rate_range, d.mixed_units
        check.number(f"{where} rate", row["Rate (%)"], None if mixed else rr.rate)
        if "Lowest possible rate (%)" in row:
            check.number(f"{where} lowest rate", row["Lowest possible rate (%)"], None if mixed else rr.rate_low)
            check.number(f"{where} highest rate", row["Highest possible rate (%)"], None if mixed else rr.rate_high)
        check.number(f"{where} CI lower", row[lower], None if mixed else rr.ci_lower)
        check.number(f"{where} CI upper", row[upper], None if mixed else rr.ci_upper)


def check_denominators_chart(check, path, sheets, funnel, confidence, method):
    """Rows are the drawable definitions (a rate with its interval, same units) of one numerator, in
    the Denominators table's order; each label names the counts."""
    found = table_rows(path, sheets, TABLE_NAMES["denominators_chart"])
    if found is None:
        return
    headers, rows = found
    drawable = [
        (p, d)
        for p, d in _definitions(funnel, confidence, method)
        if d.rate_range.rate is not None and d.rate_range.ci_lower is not None and not d.mixed_units
    ]

    def names_counts(label: str, programme, d) -> bool:
        return f"of {d.den_count.exact:,} " in label and all(f"{c:,}" in label for c in _parts(programme, d))

    by_numerator: dict[str, list] = {}
    for p, d in drawable:
        by_numerator.setdefault(d.numerator[0], []).append((p, d))
    drawn = next(
        (
            group
            for group in by_numerator.values()
            if len(group) == len(rows)
            and all(names_counts(r[headers[0]], p, d) for r, (p, d) in zip(rows, group, strict=True))
        ),
        [],
    )
    check.require(len(rows) == len(drawn), f"denominators chart: {len(rows)} rows are not one numerator's definitions")
    lower, upper = _column(headers, "CI lower (%)"), _column(headers, "CI upper (%)")
    label_header = headers[0]
    others = [h for h in headers if h not in (label_header, "Rate (%)", lower, upper)]
    to_upper = next((h for h in others if "upper" in h.lower()), None)  # error-bar lengths, if shown
    to_lower = next((h for h in others if "lower" in h.lower()), None)
    for row, (programme, d) in zip(rows, drawn, strict=False):
        label = row[label_header]
        where = f"Denominators chart {label}"
        rr = d.rate_range
        check.require(
            f"of {d.den_count.exact:,} " in label and all(f"{c:,}" in label for c in _parts(programme, d)),
            f"{where}: the label does not name {d.label!r}",
        )
        check.number(f"{where} rate", row["Rate (%)"], rr.rate)
        check.number(f"{where} CI lower", row[lower], rr.ci_lower)
        check.number(f"{where} CI upper", row[upper], rr.ci_upper)
        if to_upper:
            check.number(f"{where} to upper", row[to_upper], rr.ci_upper - rr.rate)
        if to_lower:
            check.number(f"{where} to lower", row[to_lower], rr.rate - rr.ci_lower)


def _parts(programme, d) -> list[int]:
    """The exact counts of a definition's numerator stages."""
    return [programme.stage(name).count.exact for name in d.numerator if programme.stage(name).count.kind == "exact"]


def check_funnel_chart(check, path, sheets, funnel):
    """The chart's data table, in any of its shapes: a row per stage with a count column per
    programme ("<programme> (unit)"), a Programme column, or labels "<programme>: <stage>"."""
    found = table_rows(path, sheets, TABLE_NAMES["funnel_chart"])
    if found is None:
        return
    headers, rows = found
    by_name = {p.name: p for p in funnel.programmes}
    label_header = "Stage" if "Stage" in headers else headers[0]
    value_headers = [h for h in headers if h not in ("Programme", label_header)]
    check.require(bool(rows) and bool(value_headers), "funnel chart: no data")
    for row in rows:
        label = row[label_header]
        for header in value_headers:
            programme, stage_name = None, label
            if "Programme" in row:
                programme = by_name.get(row["Programme"])
            elif len(funnel.programmes) == 1:
                programme = funnel.programmes[0]
            else:
                for name, candidate in by_name.items():
                    if label.startswith(f"{name}: "):
                        programme, stage_name = candidate, label[len(name) + 2 :]
                programme = programme or by_name.get(_strip_unit(header))
            if programme is None:
                check.require(False, f"funnel chart: no programme for {label!r} in column {header!r}")
                continue
            stage = _stage_named(programme, stage_name, required=False)
            if stage is None:  # a stage this programme does not have: shorthand
                check.number(f"Funnel chart [{programme.name}] {stage_name}", row[header], None)
                continue
            check.require(not stage.outside, f"funnel chart: draws the outside stage {stage.name!r}")
            if stage.count.kind == "exact":
                check.number(f"Funnel chart [{programme.name}] {stage.name}", row[header], stage.count.exact)


def check_programmes(check, path, sheets, funnel, confidence, method):
    found = table_rows(path, sheets, TABLE_NAMES["programmes"])
    if found is None:
        check.require(len(funnel.programmes) == 1, "several programmes but no programmes table")
        return
    headers, rows = found
    by_name = {p.name: p for p in funnel.programmes}
    rate_header = next((h for h in headers if " as a rate of " in h), None)
    lower, upper = _column(headers, "CI lower (%)"), _column(headers, "CI upper (%)")
    for row in rows:
        programme = by_name[row["Programme"]]
        where = f"Programmes [{programme.name}]"
        for header in headers[1:]:
            if header in (rate_header, lower, upper):
                continue
            stage = _stage_named(programme, _strip_unit(header), required=False)
            if stage is None:  # a stage this programme does not have
                check.number(f"{where} {header}", row[header], None)
            elif stage.count.kind == "exact":
                check.number(f"{where} {stage.name}", row[header], stage.count.exact)
        if rate_header:
            num_text, den_text = re.match(r"^(.*) as a rate of (.*) \(%\)$", rate_header).groups()
            num = _stage_named(programme, num_text, required=False)
            den = _stage_named(programme, den_text, required=False)
            if num is None or den is None:
                for header in (rate_header, lower, upper):
                    check.number(f"{where} {header}", row[header], None)
                continue
            rr = rate_range(num.count, den.count, confidence, method)
            check.number(f"{where} rate", row[rate_header], rr.rate)
            check.number(f"{where} CI lower", row[lower], rr.ci_lower)
            check.number(f"{where} CI upper", row[upper], rr.ci_upper)


def check_funnel_plot(check, path, sheets, funnel):
    found = table_rows(path, sheets, TABLE_NAMES["funnel_plot"])
    if found is None:
        return
    from xlplugin.core import overdispersion as od
    from xlplugin.core.funnel_plot import funnel_plot

    headers, rows = found
    fp = funnel_plot(funnel)
    check.require(fp is not None, "a funnel plot sheet, but the core draws no funnel plot")
    if fp is None:
        return
    points = {p.name: p for p in fp.points}
    num_header, den_header = headers[1], headers[2]
    p_header = next(h for h in headers if "p-value" in h)
    target = fp.dispersion.target
    for row in rows:
        p = points[row["Programme"]]
        where = f"Funnel plot [{p.name}]"
        check.number(f"{where} numerator", row[num_header], p.x)
        check.number(f"{where} denominator", row[den_header], p.n)
        check.number(f"{where} rate", row["Rate (%)"], p.x / p.n)
        check.number(f"{where} target", row["Target rate (%)"], target)
        check.number(f"{where} z", row["z-score (number)"], p.z_plain)
        check.number(f"{where} p-value", row[p_header], binom_two_sided_p(p.x, p.n, target))
        if "Adjusted z-score (number)" in row:
            check.number(f"{where} adjusted z", row["Adjusted z-score (number)"], p.z)
    limits = table_rows(path, sheets, TABLE_NAMES["funnel_plot_limits"])
    check.require(limits is not None, "funnel plot without its limits table")
    if limits is None:
        return
    limit_headers, limit_rows = limits
    check.require(len(limit_rows) >= 10, f"funnel plot limits: only {len(limit_rows)} rows")
    for row in limit_rows:
        n = lo.parse_cell(row["Denominator (number)"])
        check.number(f"Funnel plot limits n={n} target", row["Target rate (%)"], target)
        for header in limit_headers:
            match = re.match(r"^(Adjusted )?([\d.]+)% (lower|upper) limit \(%\)$", header)
            if match:
                kind = fp.dispersion.adjustment if match.group(1) else od.NONE
                bounds = od.limits(fp.dispersion, n, float(match.group(2)) / 100, kind)
                plain = funnel_limits(target, n, float(match.group(2)) / 100, "normal")
                if kind == od.NONE:  # the plain limits are PHE's normal limits
                    side = match.group(3) == "upper"
                    check.require(abs(bounds[side] - plain[side]) < 1e-12, f"plain limits n={n} {header}")
                check.number(f"Funnel plot limits n={n} {header}", row[header], bounds[match.group(3) == "upper"])


def _strip_unit(header: str) -> str:
    """'Visited (people)' -> 'Visited'."""
    return re.sub(r" \([^)]*\)$", "", header)


def check_data(check, path, sheets, funnel):
    """The input's rows in file order; the count column's header starts with 'count'."""
    headers, rows = table_rows(path, sheets, TABLE_NAMES["data"])
    stage_header = next(h for h in headers if _strip_unit(h).lower() == "stage")
    count_header = next(h for h in headers if _strip_unit(h).lower() == "count")
    stages = [(p, s) for p in funnel.programmes for s in p.stages]
    check.require(len(rows) == len(stages), f"data: {len(rows)} rows, expected {len(stages)}")
    for row, (_programme, stage) in zip(rows, stages, strict=False):
        check.require(row[stage_header] == stage.name, f"data: stage {row[stage_header]!r}, expected {stage.name!r}")
        if stage.count.kind == "exact":
            check.number(f"Data {stage.name} count", row[count_header], stage.count.exact)


def check_no_errors(check, sheets):
    for name, grid in sheets.items():
        for r, line in enumerate(grid, 1):
            for c, text in enumerate(line, 1):
                if lo.is_error_cell(text) or text.startswith("Err:") or text.startswith("#"):
                    check.require(False, f"[{name}] row {r} column {c}: LibreOffice shows {text!r}")


# ------------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("publish", [False, True], ids=["formulas", "publish"])
@pytest.mark.parametrize("case", list(CASES))
def test_report_passes_accessibility_check(built, case, publish):
    findings = accessibility.check_workbook(built[case, publish])
    assert findings == [], "\n".join(map(str, findings))


@pytest.mark.parametrize("recalc", [True, False], ids=["recalculated", "cached"])
@pytest.mark.parametrize("publish", [False, True], ids=["formulas", "publish"])
@pytest.mark.parametrize("case", list(CASES))
def test_libreoffice_shows_the_core_numbers(built, exports, case, publish, recalc):
    lo.require_soffice()
    name, options = CASES[case]
    confidence, method = options.get("confidence", 0.95), options.get("method", "wilson")
    funnel, _spec, _csv = load_input(_input(built["folder"], name))
    path = built[case, publish]
    sheets = exported(path, recalc)
    check = Checker(f"{case} {'publish' if publish else 'formulas'} {'recalculated' if recalc else 'cached'}")
    check_no_errors(check, sheets)
    check_funnel(check, path, sheets, funnel, confidence, method)
    check_denominators(check, path, sheets, funnel, confidence, method)
    check_denominators_chart(check, path, sheets, funnel, confidence, method)
    check_funnel_chart(check, path, sheets, funnel)
    check_programmes(check, path, sheets, funnel, confidence, method)
    check_funnel_plot(check, path, sheets, funnel)
    check_data(check, path, sheets, funnel)
    check.done()
    assert check.compared >= 60, f"only {check.compared} cells compared"


def test_founding_case_figures_side_by_side(built, exports):
    """The three published rates stand side by side as LibreOffice calculates them."""
    lo.require_soffice()
    path = built["met", False]
    _, rows = table_rows(path, exported(path, True), TABLE_NAMES["denominators"])
    shown = {(row["Numerator (stages)"], row["Denominator (stage)"]): lo.parse_cell(row["Rate (%)"]) for row in rows}
    interested, contacted = "Interested in diversion", "Contacted police about diversion"
    assert shown[interested, "Identified for a visit"] == pytest.approx(0.062, abs=1e-12)  # LBC: "just over 6%"
    assert shown[interested, "Visited"] == pytest.approx(62 / 669, abs=1e-12)  # the Met: "9%"
    assert shown[f"{interested} + {contacted}", "Visited"] == pytest.approx(82 / 669, abs=1e-12)  # the Met: "12%"


def test_a_wrong_cached_value_is_caught(built, tmp_path):
    """The check can fail: one formula's cached value made wrong shows in the cached export only."""
    lo.require_soffice()
    source = built["met", False]
    part = accessibility.load_workbook(source).sheet("Denominators").part
    with zipfile.ZipFile(source) as package:
        entries = [(info.filename, package.read(info)) for info in package.infolist()]
    spoiled = tmp_path / "spoiled.xlsx"
    with zipfile.ZipFile(spoiled, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries:
            if name == part:
                data, replaced = re.subn(rb"(<c [^>]*><f>[^<]*</f><v>)[^<]*(</v>)", rb"\g<1>0.5\g<2>", data, count=1)
                assert replaced == 1
            package.writestr(name, data)
    funnel, _, _ = load_input(EXAMPLES / CASES["met"][0])
    results = {}
    for recalc in (True, False):
        check = Checker("spoiled")
        check_denominators(check, spoiled, lo.export_sheets_csv(spoiled, recalc=recalc), funnel, 0.95, "wilson")
        results[recalc] = check.problems
    assert results[True] == []
    assert len(results[False]) == 1 and "LibreOffice shows '50%'" in results[False][0], results[False]


@pytest.mark.parametrize("publish", [False, True], ids=["formulas", "publish"])
@pytest.mark.parametrize("case", list(CASES))
def test_cached_values_are_what_libreoffice_calculates(built, exports, case, publish):
    """Every cell of every sheet reads the same whether LibreOffice recalculates or trusts the
    caches (numbers to 1e-12: LibreOffice's subtraction may differ from Python's in the last
    digit); default mode really has formulas (so the comparison means something), --publish none."""
    path = built[case, publish]
    formulas = sum(
        1
        for sheet in accessibility.load_workbook(path).worksheets
        for cell in sheet.cells.values()
        if cell.formula is not None
    )
    if publish:
        assert formulas == 0
    else:
        assert formulas >= 5
    recalculated, cached = exported(path, True), exported(path, False)
    assert list(recalculated) == list(cached)
    differ = []
    for name in recalculated:
        assert len(recalculated[name]) == len(cached[name]), name
        for r, (left, right) in enumerate(zip(recalculated[name], cached[name], strict=False), 1):
            for c, (a, b) in enumerate(zip(left, right, strict=False), 1):
                x, y = lo.parse_cell(a), lo.parse_cell(b)
                same = abs(x - y) <= 1e-12 if isinstance(x, float) and isinstance(y, float) else a == b
                if not same:
                    differ.append(f"[{name}] row {r} column {c}: recalculated {a!r}, cached {b!r}")
    assert differ == []
