"""`rates --cases`: funnels counted from case records, against the hand-written query and pandas.

The data are generated here, by DuckDB, into a temporary folder: one row per person with an
area, the date identified, the date visited (empty for a third), a follow-up flag and an
interest flag. Four comparisons, each ours against a baseline measured in the same run:

- 10,000,000 rows as Parquet: the whole `xlplugin rates --cases` process against a process
  running DuckDB's own `SELECT count(*) FILTER (WHERE ...)` over the same file (the least
  any tool must do to count these stages). Ours also counts missing and unparseable cells,
  the not-subset cases of every pair of stages, computes the rates and prints them;
- 1,000,000 rows as CSV: the same command against pandas reading the CSV and counting the
  stages (the analyst's usual route), reported as a ratio;
- doubling: 5,000,000 -> 10,000,000 rows (Parquet), ours against ours, aim <= 2.2x (linear);
- peak resident memory of the `rates --cases` process at 1,000,000 and 10,000,000 rows:
  DuckDB streams the file through one grouped aggregate, so memory should not grow with rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import alternate, main, row, run_process

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
STAGES = "identified,visited,followed_up,interested"
BIG, HALF, SMALL = 10_000_000, 5_000_000, 1_000_000


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def generate(folder: Path, rows: int, fmt: str) -> Path:
    """`rows` case records as Parquet (typed columns) or CSV, written by DuckDB without Python rows."""
    import duckdb

    path = folder / f"cases-{rows}.{fmt}"
    select = f"""
        SELECT i AS person,
               'Area ' || CAST(i % 33 AS VARCHAR) AS area,
               DATE '2021-01-01' + CAST(i % 365 AS INTEGER) AS identified,
               CASE WHEN i % 3 = 0 THEN NULL ELSE DATE '2021-01-01' + CAST(i % 365 + i % 40 AS INTEGER) END AS visited,
               (i % 3 <> 0 AND i % 4 = 0) AS followed_up,
               CAST(CASE WHEN i % 3 <> 0 AND i % 4 = 0 AND i % 5 < 2 THEN 1 WHEN i % 97 = 0 THEN 1 ELSE 0 END
                    AS INTEGER) AS interested
        FROM range({rows}) AS t(i)
    """
    options = "(FORMAT parquet)" if fmt == "parquet" else "(FORMAT csv, HEADER true)"
    con = duckdb.connect()
    con.execute(f"COPY ({select}) TO '{path}' {options}")
    con.close()
    return path


def ours_cmd(path: Path) -> list[str]:
    return [sys.executable, "-m", "xlplugin.cli", "rates", str(path), "--cases", "--stages", STAGES, "--unit", "people"]


def duckdb_cmd(path: Path) -> list[str]:
    reader = f"read_parquet('{path}')" if path.suffix == ".parquet" else f"read_csv('{path}')"
    sql = (
        "SELECT count(*) FILTER (WHERE identified IS NOT NULL), count(*) FILTER (WHERE visited IS NOT NULL), "
        "count(*) FILTER (WHERE followed_up), count(*) FILTER (WHERE interested = 1) FROM " + reader
    )
    return [sys.executable, "-c", f"import duckdb; print(duckdb.sql({sql!r}).fetchall())"]


def pandas_cmd(path: Path) -> list[str]:
    code = (
        "import pandas as pd\n"
        f"df = pd.read_csv({str(path)!r})\n"
        "print(df['identified'].notna().sum(), df['visited'].notna().sum(), "
        "df['followed_up'].astype(str).str.lower().eq('true').sum(), (df['interested'] == 1).sum())\n"
    )
    return [sys.executable, "-c", code]


def peak_rss_mb(cmd: list[str]) -> float:
    """Peak resident memory of one process (its own, from wait4), in MB."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode})")
    return usage.ru_maxrss / 1024  # kilobytes on Linux


def run() -> list[dict]:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return [row("rates --cases", "-", float("nan"), "-", "needs xlplugin[cases]")]
    env = _env()
    results = []
    with tempfile.TemporaryDirectory(prefix="xlplugin-bench-cases-") as tmp:
        folder = Path(tmp)
        big = generate(folder, BIG, "parquet")
        half = generate(folder, HALF, "parquet")
        small_csv = generate(folder, SMALL, "csv")
        small = generate(folder, SMALL, "parquet")
        check = subprocess.run(ours_cmd(small), capture_output=True, text=True, env=env, check=True)
        assert "1,000,000 row(s)" in check.stdout, check.stdout[:500]

        comparisons = [
            (
                f"rates --cases, {BIG:,} rows x 4 stages (Parquet, {big.stat().st_size / 1e6:.0f} MB)",
                "DuckDB's own SELECT count(*) FILTER (...) over the same file, in a process",
                (ours_cmd(big), duckdb_cmd(big)),
                "<= 1.5x",
            ),
            (
                f"rates --cases, {SMALL:,} rows (CSV, {small_csv.stat().st_size / 1e6:.0f} MB)",
                "pandas read_csv and counting the four stages of the same CSV, in a process",
                (ours_cmd(small_csv), pandas_cmd(small_csv)),
                "reported",
            ),
            (
                f"rates --cases doubling: {HALF:,} -> {BIG:,} rows (Parquet)",
                f"rates --cases on {HALF:,} rows (both with process start)",
                (ours_cmd(big), ours_cmd(half)),
                "<= 2.2x",
            ),
        ]
        for benchmark, baseline, (mine, theirs), aim in comparisons:
            timed = alternate(lambda a=mine: run_process(a, env=env), lambda b=theirs: run_process(b, env=env), RUNS)
            results.append(row(benchmark, baseline, timed, aim))
        rss_small, rss_big = peak_rss_mb(ours_cmd(small)), peak_rss_mb(ours_cmd(big))
        benchmark = f"rates --cases peak memory: {SMALL:,} -> {BIG:,} rows (Parquet)"
        notes = f"peak RSS {rss_small:.0f} MB at {SMALL:,} rows, {rss_big:.0f} MB at {BIG:,}"
        aim = "~1x (memory does not grow with rows)"
        results.append(row(benchmark, f"peak RSS at {SMALL:,} rows", rss_big / rss_small, aim, notes))
    return results


if __name__ == "__main__":
    main(run)
