"""DuckDB, the embedded engine: it reads the CSV or Parquet file itself and runs the one query.

The file is never loaded into Python objects: DuckDB streams it through a grouped aggregate,
so memory does not grow with the rows. CSV cells are read as text (the flag and date rules
are ours, not DuckDB's type sniffer); Parquet columns keep their types.
"""

from __future__ import annotations

from pathlib import Path

from xlplugin.cases.sql import SOURCE, build_sql, literal
from xlplugin.core.cases import CaseQuery, GroupCounts, counts_from_patterns
from xlplugin.core.errors import InputError, Problem

EXTRA_MESSAGE = "reading case records needs DuckDB and SQLGlot: pip install 'xlplugin[cases]'"
CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".gz")
PARQUET_SUFFIXES = (".parquet", ".pq")


def _duckdb():
    try:
        import duckdb
    except ImportError:
        raise InputError(Problem(EXTRA_MESSAGE, column="--cases")) from None
    return duckdb


def reader_sql(path: Path) -> str:
    """The DuckDB table function that reads the case file."""
    suffix = path.suffix.lower()
    name = literal(str(path))
    if suffix in PARQUET_SUFFIXES:
        return f"read_parquet({name})"
    if suffix in (".xls", ".ods"):
        raise InputError(
            Problem("case records are read from CSV, Parquet or .xlsx; save the sheet as CSV or .xlsx", str(path))
        )
    return f"read_csv({name}, all_varchar = true, header = true)"


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def workbook_as_csv(path: Path, folder: Path) -> Path:
    """An .xlsx case table (its only Excel table, or its first sheet) as a CSV of the cells' text.

    A workbook holds at most about a million rows and is read whole by any reader, so here,
    unlike CSV and Parquet, the rows pass through Python (`xlplugin.inputs.xlsxinput`, which
    names the sheet and cell of any problem); dates become ISO text, TRUE/FALSE stay flags.
    """
    import csv

    from xlplugin.inputs.xlsxinput import read_workbook

    table = read_workbook(path.read_bytes(), str(path))
    out = folder / (path.stem + ".csv")
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return out


def connect(path: Path, label: str | None = None):
    """A DuckDB connection with the view `cases` over the file, and the file's column types."""
    duckdb = _duckdb()
    label = label or str(path)
    if not path.is_file():
        raise InputError(Problem("does not exist" if not path.exists() else "is not a file", label))
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW {SOURCE} AS SELECT * FROM {reader_sql(path)}")
        described = con.execute(f"DESCRIBE SELECT * FROM {SOURCE}").fetchall()
    except duckdb.Error as exc:
        con.close()
        raise InputError(Problem(f"cannot be read as a table of case records: {_first_line(exc)}", label)) from None
    return con, {row[0]: str(row[1]) for row in described}


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def resolve_columns(query: CaseQuery, columns: list[str], label: str) -> CaseQuery:
    """The query with its column names spelled as in the file (matched case-insensitively)."""
    by_lower = {c.lower(): c for c in columns}
    problems = []

    def find(name: str | None, option: str) -> str | None:
        if name is None:
            return None
        found = by_lower.get(name.strip().lower())
        if found is None:
            known = ", ".join(f"'{c}'" for c in columns)
            problems.append(Problem(f"there is no column '{name}' (the columns are {known})", label, column=option))
        return found

    stage_cols = tuple(find(c, "--stages") or c for c in query.columns)
    id_col, by_col = find(query.id, "--id"), find(query.by, "--by")
    if problems:
        raise InputError(problems)
    given = query.stage_names
    names = tuple(stage_cols[i] if given[i] == query.columns[i] else given[i] for i in range(len(stage_cols)))
    return CaseQuery(
        columns=stage_cols,
        names=names,
        id=id_col,
        by=by_col,
        by_period=query.by_period,
        ordered=query.ordered,
        within=query.within,
        within_seconds=query.within_seconds,
        unit=query.unit,
        suppress_below=query.suppress_below,
    )


def run(path: str | Path, query: CaseQuery) -> tuple[CaseQuery, str, list[GroupCounts]]:
    """(the query as resolved against the file, its SQL, the counts per group) for the case file."""
    duckdb = _duckdb()
    path = Path(path)
    folder = None
    if path.suffix.lower() in WORKBOOK_SUFFIXES and path.is_file():
        import shutil
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="xlplugin-cases-"))
        try:
            con, types = connect(workbook_as_csv(path, folder), str(path))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    else:
        con, types = connect(path)
    try:
        query = resolve_columns(query, list(types), str(path))
        sql = build_sql(query, {c: types[c] for c in query.columns})
        try:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        except duckdb.Error as exc:
            raise InputError(Problem(f"cannot be counted as case records: {_first_line(exc)}", str(path))) from None
    finally:
        con.close()
        if folder is not None:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    groups = counts_from_patterns((dict(zip(names, row, strict=True)) for row in rows), query)
    return query, sql, groups
