"""Funnels from case records: the known funnel of a generated case file, through DuckDB and PostgreSQL.

The case file (`case_records.py`) is built block by block, each block a kind of case (whole
funnel, not-subset, dates out of order, outside the window, missing and unparseable cells,
duplicate ids, rows without an id), and its true funnels are worked out by hand there.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import case_records as cr
import pytest
from cli_runner import run_xlplugin
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlplugin.core import cases as core
from xlplugin.core.errors import InputError

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

from xlplugin.cases.engine import run as run_duckdb  # noqa: E402
from xlplugin.cases.funnel import load_cases  # noqa: E402
from xlplugin.cases.sql import DIALECTS, build_sql, transpile  # noqa: E402

MODES = {
    "default": {"id": "person"},
    "ordered": {"id": "person", "ordered": True},
    "within": {"id": "person", "within": "30d"},
    "ordered_within": {"id": "person", "ordered": True, "within": "30d"},
    "rows": {},
}


@pytest.fixture(scope="module")
def case_file(tmp_path_factory) -> Path:
    return cr.write_cases(tmp_path_factory.mktemp("cases") / "cases.csv")


def counted(path: Path, **options) -> list[core.GroupCounts]:
    return run_duckdb(path, core.make_query(cr.STAGES, **options))[2]


# ------------------------------------------------------------------ the rules, one cell at a time


@pytest.mark.parametrize(
    "value, kind",
    [
        ("1", core.REACHED),
        (" yes ", core.REACHED),
        ("TRUE", core.REACHED),
        ("Y", core.REACHED),
        ("x", core.REACHED),
        ("2021-06-17", core.REACHED),
        ("2021-06-17T09:30:00", core.REACHED),
        ("0", core.NOT_REACHED),
        ("No", core.NOT_REACHED),
        ("", core.MISSING),
        (None, core.MISSING),
        ("maybe", core.UNPARSEABLE),
        ("17/06/2021", core.UNPARSEABLE),  # not ISO: never guessed day-first or month-first
        ("2021-02-30", core.UNPARSEABLE),  # the shape of a date, but none
        (True, core.REACHED),
        (0, core.NOT_REACHED),
        (2, core.UNPARSEABLE),
        (dt.date(2021, 6, 17), core.REACHED),
    ],
)
def test_classify(value, kind):
    assert core.classify(value)[0] == kind


def test_within_and_stage_options():
    assert core.parse_within("30d") == 30 * 86400
    assert core.parse_within("2w") == 14 * 86400
    assert core.parse_within("12h") == 12 * 3600
    for bad in ("30", "0d", "thirty days", "-3d"):
        with pytest.raises(ValueError):
            core.parse_within(bad)
    assert core.parse_stages("a, b=Visited by police") == (("a", "b"), ("a", "Visited by police"))
    with pytest.raises(InputError) as err:
        core.make_query("a,A", within="soon", by="x", by_period="month", suppress_below=1)
    text = str(err.value)
    assert "option --stages" in text and "option --within" in text and "option --by-period" in text
    assert "option --suppress-below" in text


# ------------------------------------------------------------------ the known funnel through DuckDB


@pytest.mark.parametrize("mode", list(MODES))
def test_duckdb_gives_the_true_funnel(case_file, mode):
    (group,) = counted(case_file, **MODES[mode])
    assert group.counted == cr.TRUTH[mode]


def test_duckdb_reports_every_gap(case_file):
    t = cr.TRUTH_DIAGNOSTICS
    (g,) = counted(case_file, id="person")
    assert (g.rows, g.cases, g.rows_without_id) == (t["rows"], t["cases"], t["rows_without_id"])
    assert (g.duplicate_ids, g.duplicate_rows) == (t["duplicate_ids"], t["duplicate_rows"])
    assert g.missing == t["missing"] and g.unparseable == t["unparseable"]
    assert g.not_subset[(3, 1)] == t["interested_without_visited"]
    assert g.not_subset[(3, 2)] == t["interested_without_followed_up"]
    assert g.not_subset[(1, 0)] == g.not_subset[(2, 1)] == 0
    (o,) = counted(case_file, id="person", ordered=True)
    assert o.out_of_order[1] == t["out_of_order_visited"]
    (w,) = counted(case_file, id="person", within="30d")
    assert w.outside_window[1] == t["outside_window_visited"]
    assert w.undated[2] == t["undated_followed_up"]


def test_by_area_and_by_month(case_file):
    groups = counted(case_file, id="person", by="borough")
    assert {g.group: g.counted for g in groups if g.group} == cr.TRUTH_BOROUGH
    assert [g.cases for g in groups if g.group is None] == [5]  # F has no borough
    groups = counted(case_file, id="person", by_period="month")
    assert {g.group: g.counted for g in groups} == cr.TRUTH_MONTH
    quarters = counted(case_file, id="person", by_period="quarter")
    assert [(g.group, g.counted[0]) for g in quarters] == [("2021 Q1", 113)]


def test_ordered_and_within_change_the_funnel_as_they_should(case_file):
    default, ordered, within = (counted(case_file, **MODES[m])[0].counted for m in ("default", "ordered", "within"))
    # --ordered drops the 10 visited before identification, and everyone after a skipped stage
    assert default[1] - ordered[1] == 10 and ordered[3] == 40 < default[3]
    # --within 30d drops visits outside 30 days (D before, E 61 days after) and undated flags
    assert default[1] - within[1] == 18 and within[3] == 0
    # ordered funnels are nested: each stage at most the one above
    assert all(b <= a for a, b in zip(ordered, ordered[1:], strict=False))


def test_funnel_bases_say_which_stages_are_not_subsets(case_file):
    result = load_cases(case_file, core.make_query(cr.STAGES, id="person", unit="people"))
    stages = {s.name: s for s in result.funnel.programmes[0].stages}
    assert stages["visited"].base == "identified" and stages["followed_up"].base == "visited"
    # interested has 20 cases without a visit or follow-up: its nearest superset is identified
    assert stages["interested"].base == "identified"
    assert "20 case(s) reached it without 'visited'" in stages["interested"].note
    assert stages["visited"].unit == "people"
    ordered = load_cases(case_file, core.make_query(cr.STAGES, id="person", ordered=True))
    assert [s.base for s in ordered.funnel.programmes[0].stages] == [None, "identified", "visited", "followed_up"]
    assert ordered.funnel.programmes[0].stages[0].unit == "not stated"


def test_parquet_with_typed_columns_gives_the_same_funnel(case_file, tmp_path):
    parquet = tmp_path / "cases.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT person, borough, CAST(identified AS DATE) AS identified, visited, followed_up, "
        f"CAST(CASE WHEN interested IN ('1', 'yes', 'TRUE') THEN 1 ELSE 0 END AS INTEGER) AS interested "
        f"FROM read_csv('{case_file}', all_varchar = true)) TO '{parquet}' (FORMAT parquet)"
    )
    types = dict(con.execute(f"DESCRIBE SELECT * FROM read_parquet('{parquet}')").fetchall()[i][:2] for i in range(6))
    assert types["identified"] == "DATE" and types["interested"] == "INTEGER"
    for mode, options in MODES.items():
        (group,) = counted(parquet, **options)
        assert group.counted == cr.TRUTH[mode], mode


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d", ""]),
            *[
                st.sampled_from(["", "1", "0", "yes", "no", "x", "oops", "2021-01-01", "2021-01-20", "2021-03-05"])
                for _ in range(3)
            ],
        ),
        min_size=1,
        max_size=25,
    ),
    ordered=st.booleans(),
    within=st.sampled_from([None, "30d"]),
    with_id=st.booleans(),
)
@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_sql_and_python_count_alike(tmp_path, rows, ordered, within, with_id):
    """The SQL (DuckDB) and `count_cases` (plain Python) are two implementations of one set of rules."""
    path = tmp_path / "random.csv"
    path.write_text("who,s1,s2,s3\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    query = core.make_query("s1,s2,s3", id="who" if with_id else None, ordered=ordered, within=within)
    sql_groups = run_duckdb(path, query)[2]
    python_groups = core.count_cases([r[1:] for r in rows], query, ids=[r[0] for r in rows] if with_id else None)
    assert sql_groups == python_groups


# ------------------------------------------------------------------ the second engine: PostgreSQL


@pytest.fixture(scope="module")
def postgres():
    import pg_harness

    server = pg_harness.Postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize(
    "options",
    [*MODES.values(), {"id": "person", "by": "borough"}, {"id": "person", "by_period": "month", "ordered": True}],
    ids=[*MODES, "by-borough", "by-month-ordered"],
)
def test_postgres_runs_the_same_query_to_the_same_funnel(case_file, postgres, options):
    postgres.load_csv(case_file)
    query, sql, duck_groups = run_duckdb(case_file, core.make_query(cr.STAGES, **options))
    pg_rows = postgres.query(transpile(sql, "postgres"))
    pg_groups = core.counts_from_patterns(pg_rows, query)
    assert pg_groups == duck_groups
    if options == MODES["default"]:
        assert pg_groups[0].counted == cr.TRUTH["default"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_parses_back(case_file, dialect):
    _query, sql, _groups = run_duckdb(case_file, core.make_query(cr.STAGES, id="person", within="30d", ordered=True))
    text = transpile(sql, dialect)
    assert "win_4" in text and "ok_4" in text and "n_cases" in text
    assert sqlglot.parse_one(text, read=dialect) is not None


def test_sql_reads_a_warehouse_table_by_name():
    sql = build_sql(core.make_query("a,b"), source="analytics.cases_2021")
    assert "FROM analytics.cases_2021" in sql and sql.endswith("GROUP BY s_1, s_2")


# ------------------------------------------------------------------ the command line


def cli(*args: object) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "XLPLUGIN_DEBUG"}
    return run_xlplugin(*args, text=True, env=env)


def test_rates_cases_json(case_file):
    r = cli("rates", case_file, "--cases", "--stages", cr.STAGES, "--id", "person", "--unit", "people", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    stages = doc["programmes"][0]["stages"]
    assert [s["count"] for s in stages] == cr.TRUTH["default"]
    assert stages[3]["base"] == "identified"
    cases = doc["cases"]["programmes"][0]
    assert cases["duplicate_ids"] == 6 and cases["rows_without_id"] == 3
    assert cases["stages"][3]["not_subset_of"] == {"visited": 20, "followed_up": 20}
    assert cases["stages"][1]["missing_cells"] == 26 and cases["stages"][1]["unparseable_cells"] == 5


def test_rates_cases_text_names_the_not_subset_cases(case_file):
    r = cli("rates", case_file, "--cases", "--stages", cr.STAGES, "--id", "person")
    assert r.returncode == 0, r.stderr
    assert "20 case(s) reached it without 'visited'" in r.stdout
    assert "26 empty and 5 unparseable cell(s)" in r.stdout
    assert "6 id(s) on more than one row" in r.stdout and "not stated" in r.stdout


def test_suppress_below_writes_c_and_records_the_rule(case_file):
    r = cli("rates", case_file, "--cases", "--stages", cr.STAGES, "--id", "person", "--by-period", "month")
    assert r.returncode == 0, r.stderr
    r = cli(
        "rates", case_file, "--cases", "--stages", cr.STAGES, "--by", "borough", "--id", "person",
        "--suppress-below", "50", "--json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    south = next(p for p in doc["cases"]["programmes"] if p["programme"] == "South")
    assert [s["count"] for s in south["stages"]] == ["[c]", "[c]", "[c]", "[c]"]  # 43, 23, 23, 35 < 50
    north = next(p for p in doc["programmes"] if p["name"] == "North")
    assert north["stages"][0]["count"] == 65
    assert doc["cases"]["suppressed_below"] == 50


def test_claim_on_cases(case_file):
    r = cli("claim", "just over 53%", case_file, "--cases", "--stages", cr.STAGES, "--id", "person", "--json")
    assert r.returncode == 0, r.stderr
    matches = json.loads(r.stdout)["matches"]
    assert any(m["numerator"] == ["interested"] and m["denominator"] == "identified" for m in matches)


def test_sql_option_prints_the_query(case_file):
    r = cli("rates", case_file, "--cases", "--stages", cr.STAGES, "--id", "person", "--sql", "postgres")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("WITH texts AS") and " ~ '^[0-9]{4}" in r.stdout
    r = cli("rates", case_file, "--cases", "--stages", cr.STAGES, "--sql", "bigquery", "--sql-table", "proj.ds.cases")
    assert r.returncode == 0 and "FROM proj.ds.cases" in r.stdout and "REGEXP_CONTAINS" in r.stdout, r.stderr


@pytest.mark.slow  # peak memory at two sizes: `make test` runs it, `make check` does not
def test_memory_does_not_grow_with_rows(tmp_path):
    """Peak resident memory of `rates --cases` at 100,000 and 1,000,000 CSV rows (text cells, dates parsed)."""

    def case_csv(rows: int) -> Path:
        path = tmp_path / f"cases-{rows}.csv"
        con = duckdb.connect()
        con.execute(
            f"COPY (SELECT i AS person, DATE '2021-01-01' + CAST(i % 365 AS INTEGER) AS identified, "
            f"CASE WHEN i % 3 = 0 THEN '' ELSE 'yes' END AS visited, i % 7 = 0 AS interested "
            f"FROM range({rows}) t(i)) TO '{path}' (FORMAT csv, HEADER true)"
        )
        return path

    def peak_mb(path: Path) -> float:
        cmd = [sys.executable, "-m", "xlplugin.cli", "rates", str(path), "--cases", "--stages"]
        proc = subprocess.Popen([*cmd, "identified,visited,interested", "--ordered"], stdout=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)  # the child's own peak (Linux: kilobytes)
        assert os.waitstatus_to_exitcode(status) == 0
        return usage.ru_maxrss / 1024

    small, big = peak_mb(case_csv(100_000)), peak_mb(case_csv(1_000_000))
    assert big < 1.5 * small, (small, big)  # ten times the rows, not ten times the memory


@pytest.mark.parametrize(
    "args, message",
    [
        (["--cases"], "--cases needs --stages"),
        (["--cases", "--stages", "identified,nope"], "there is no column 'nope'"),
        (["--cases", "--stages", cr.STAGES, "--id", "who"], "option --id: there is no column 'who'"),
        (["--cases", "--stages", cr.STAGES, "--within", "a month"], "option --within"),
        (["--stages", cr.STAGES], "go(es) with --cases"),
        (["--cases", "--stages", cr.STAGES, "--suppress-below", "1"], "--suppress-below must be 2 or more"),
        (["--cases", "--stages", cr.STAGES, "--sheet", "Cases"], "--sheet read(s) a funnel table"),
    ],
)
def test_bad_case_options_exit_2_with_a_message(case_file, args, message):
    r = cli("rates", case_file, *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_unreadable_case_files_exit_2(tmp_path):
    book = tmp_path / "cases.xlsx"
    book.write_bytes(b"PK")
    r = cli("rates", book, "--cases", "--stages", "a")
    assert r.returncode == 2 and "cases.xlsx" in r.stderr and "Traceback" not in r.stderr, r.stderr
    ods = tmp_path / "cases.ods"
    ods.write_bytes(b"PK")
    r = cli("rates", ods, "--cases", "--stages", "a")
    assert r.returncode == 2 and "save the sheet as CSV or .xlsx" in r.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n", encoding="utf-8")
    r = cli("rates", empty, "--cases", "--stages", "a,b")
    assert r.returncode == 2 and "no data rows" in r.stderr, r.stderr
    r = cli("rates", tmp_path / "absent.csv", "--cases", "--stages", "a")
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_report_cases_records_query_and_hash(case_file, tmp_path):
    import hashlib

    from openpyxl import load_workbook

    out = tmp_path / "cases.xlsx"
    r = cli(
        "report", case_file, "--cases", "--stages", cr.STAGES, "--id", "person", "--unit", "people",
        "-o", out, "--timestamp", "2026-01-01T00:00:00Z",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    data = load_workbook(out)["Data"]
    text = "\n".join(str(c.value) for row in data.iter_rows() for c in row if c.value is not None)
    assert hashlib.sha256(case_file.read_bytes()).hexdigest() in text
    assert "one case per distinct 'person'" in text and "WITH texts AS" in text
    assert "20 case(s) reached it without 'visited'" in text
    r = cli("report", case_file, "--cases", "--stages", "identified,nope", "-o", tmp_path / "bad.xlsx")
    assert r.returncode == 2 and not (tmp_path / "bad.xlsx").exists()


# ------------------------------------------------------------------ in Excel: UPTAKE_CASES


def test_uptake_cases_counts_the_case_file_as_duckdb_does(case_file):
    import csv

    from xlplugin.excel.functions import UPTAKE_CASES, UPTAKE_FUNNEL

    with open(case_file, newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    columns = [table[0].index(c) for c in cr.STAGES.split(",")]
    # as xlwings hands a range over: empty cells None, the header row on top
    rows = [[(row[c] or None) for c in columns] for row in table]
    assert UPTAKE_CASES(rows) == "#VALUE!"  # F's unparseable "maybe": a sheet cannot report it, so it says so
    rows = [[None if v == "maybe" else v for v in row] for row in rows]
    spilled = UPTAKE_CASES(rows)
    assert [r[0] for r in spilled] == cr.TRUTH["rows"]  # no --id in Excel: one row per case
    assert [r[1] for r in spilled] == ["", "", "", "identified"]  # interested is no subset of the stages above
    ordered = UPTAKE_CASES(rows, True)
    (duck,) = counted(case_file, ordered=True)
    assert [r[0] for r in ordered] == duck.counted and all(r[1] == "" for r in ordered)
    # the funnel table on top, as the sheet would do it
    names = [[n] for n in rows[0]]
    table_out = UPTAKE_FUNNEL(names, [[r[0]] for r in spilled], [[r[1] or None] for r in spilled])
    assert table_out[4][:3] == ["interested", 60, "identified"]


def test_uptake_cases_excel_values():
    from xlplugin.excel.functions import UPTAKE_CASES

    when = dt.datetime(2021, 6, 17)
    serial = (when - dt.datetime(1899, 12, 30)).days  # xlwings Lite passes dates as serial numbers
    rows = [[1.0, when], [True, serial + 3.0], ["yes", None], [0.0, "x"]]
    assert UPTAKE_CASES(rows) == [[3, ""], [3, "none"]]  # the fourth row reached stage 2 without stage 1
    assert UPTAKE_CASES(rows, "TRUE") == [[3, ""], [2, ""]]
    assert UPTAKE_CASES([[1.0, "perhaps"]]) == "#VALUE!"
    assert UPTAKE_CASES([[1.0, 1.0]], "sometimes") == "#VALUE!"
    assert UPTAKE_CASES(None) == "#N/A"
    assert UPTAKE_CASES([["visited", "interested"]]) == [[0, ""], [0, ""]]  # a header and no cases
    assert UPTAKE_CASES([[1.0, -5.0]]) == "#VALUE!"


# ------------------------------------------------------------------ LibreOffice recalculates the report


@pytest.mark.libreoffice
def test_report_cases_recalculates_in_libreoffice_to_the_same_numbers(case_file, tmp_path):
    import lo_harness as lo

    from xlplugin.core.rates import funnel_rates

    lo.require_soffice()
    out = tmp_path / "cases-report.xlsx"
    r = cli(
        "report", case_file, "--cases", "--stages", cr.STAGES, "--id", "person", "--by", "borough",
        "--unit", "people", "-o", out, "--timestamp", "2026-01-01T00:00:00Z",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    expected = load_cases(case_file, core.make_query(cr.STAGES, id="person", by="borough", unit="people"))
    sheets = lo.export_sheets_values(out, tmp_path / "lo", recalc=True)
    rows = sheets["Funnel"]
    top = next(i for i, row in enumerate(rows) if "Stage" in row and "Count (number)" in row)
    header = rows[top]
    seen = {}
    programme = None
    for row in rows[top + 1 :]:
        cells = dict(zip(header, row, strict=True))
        if cells.get("Programme"):
            programme = cells["Programme"]
        seen[(programme, cells["Stage"])] = cells
    for p in expected.funnel.programmes:
        for rate in funnel_rates(p):
            cells = seen[(p.name, rate.stage)]
            assert cells["Count (number)"] == rate.count
            if rate.rate is not None:
                assert abs(cells["Rate of base (%)"] - rate.rate) < 1e-9
                assert abs(cells["95% CI lower (%)"] - rate.ci_lower) < 1e-9
                assert abs(cells["95% CI upper (%)"] - rate.ci_upper) < 1e-9
    counts = sorted(c["Count (number)"] for c in seen.values())
    assert counts == sorted(n for g in cr.TRUTH_BOROUGH.values() for n in g)
    assert not any(lo.is_error_cell(v) for rows in sheets.values() for row in rows for v in row)


def test_a_query_run_on_postgres_feeds_back_into_report(case_file, postgres, tmp_path):
    """The README's route for data that outgrow a machine: print the query, run it on the warehouse
    (here PostgreSQL), save its result as CSV, and give that to `xlplugin report --query-result`."""
    options = ["--stages", cr.STAGES, "--id", "person", "--by", "borough", "--ordered"]
    r = cli("rates", case_file, "--cases", *options, "--sql", "postgres")
    assert r.returncode == 0, r.stderr
    postgres.load_csv(case_file)
    result = tmp_path / "warehouse-result.csv"
    result.write_text(postgres.psql("-c", f"COPY ({r.stdout.strip().rstrip(';')}) TO STDOUT WITH CSV HEADER"))
    r = cli("rates", result, "--cases", "--query-result", *options, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    direct = counted(case_file, id="person", by="borough", ordered=True)
    assert {p["name"]: [s["count"] for s in p["stages"]] for p in doc["programmes"]} == {
        g.group: g.counted for g in direct if g.group
    }
    out = tmp_path / "from-warehouse.xlsx"
    r = cli("report", result, "--cases", "--query-result", *options, "-o", out)
    assert r.returncode == 0, r.stderr
    wrong = cli("rates", result, "--cases", "--query-result", "--stages", cr.STAGES, "--id", "person")
    assert wrong.returncode == 2 and "column(s) grp, ok_2, ok_3, ok_4 these options do not make" in wrong.stderr


def test_check_an_article_against_case_records(case_file, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("Just over 53% of those identified expressed interest, and 88 people were visited.\n")
    r = cli("check", article, case_file, "--cases", "--stages", cr.STAGES, "--id", "person", "--unit", "people")
    assert r.returncode == 0, r.stderr
    assert "60 interested of 113 identified = 53.1%" in r.stdout and "88 visited" in r.stdout
    r = cli("check", article, case_file, "--cases", "--stages", cr.STAGES, "-o", tmp_path / "x.xlsx")
    assert r.returncode == 2 and "report --cases" in r.stderr


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_refresh_cases_brings_a_case_report_up_to_date(case_file, tmp_path):
    from openpyxl import load_workbook

    options = ["--cases", "--stages", cr.STAGES, "--id", "person", "--unit", "people"]
    book = tmp_path / "cases.xlsx"
    r = cli("report", case_file, *options, "-o", book)
    assert r.returncode == 0, r.stderr
    fewer = tmp_path / "fewer.csv"
    fewer.write_text("".join(case_file.read_text().splitlines(keepends=True)[:61]))  # header and 60 rows
    r = cli("refresh", book, fewer, *options)
    assert r.returncode == 0, r.stderr
    (expected,) = counted(fewer, id="person")

    def funnel_counts(path):
        sheet = load_workbook(path)["Funnel"]
        return [row[1].value for row in sheet.iter_rows() if isinstance(row[1].value, int)]

    assert funnel_counts(book) == expected.counted != cr.TRUTH["default"]
    data = "\n".join(str(c.value) for row in load_workbook(book)["Data"].iter_rows() for c in row if c.value)
    assert "fewer.csv" in data and "WITH texts AS" in data
    r = cli("refresh", book, case_file, *options)  # and back: no hand edits found in its own output
    assert r.returncode == 0, r.stderr
    assert funnel_counts(book) == cr.TRUTH["default"]
    r = cli("refresh", book, case_file, *options, "--table", "Cases")
    assert r.returncode == 2 and "--table writes a CSV as it is" in r.stderr


def test_an_xlsx_case_table_gives_the_same_funnel(case_file, tmp_path):
    import csv

    import xlsxwriter

    book = tmp_path / "cases.xlsx"
    with open(case_file, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    workbook = xlsxwriter.Workbook(str(book))
    sheet = workbook.add_worksheet("Cases")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r and len(value) == 10 and value[4] == "-" and value[:4].isdigit():  # real Excel dates
                sheet.write_datetime(r, c, dt.datetime.fromisoformat(value), dates)
            elif r and value in ("TRUE",):
                sheet.write_boolean(r, c, True)
            elif r and value.isdigit() and len(value) == 1:
                sheet.write_number(r, c, int(value))
            elif value:
                sheet.write_string(r, c, value)
    workbook.close()
    for mode in ("default", "ordered", "within"):
        (group,) = counted(book, **MODES[mode])
        assert group.counted == cr.TRUTH[mode], mode
