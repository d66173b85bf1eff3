"""DuckDB, the embedded engine: it reads the CSV or Parquet file itself and runs the one query.

The file is never loaded into Python objects: DuckDB streams it through a grouped aggregate,
so memory does not grow with the rows. CSV cells are read as text (the flag and date rules
are ours, not DuckDB's type sniffer); Parquet columns keep their types.
"""

from __future__ import annotations

from pathlib import Path

from xlplugin.cases.sql import SOURCE, build_sql, literal
from xlplugin.core.cases import CaseQuery, GroupCounts, group_counts_from_row
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
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise InputError(
            Problem(
                "case records are read from CSV or Parquet; save the sheet as CSV (a workbook table is not read yet)",
                str(path),
            )
        )
    return f"read_csv({name}, all_varchar = true, header = true)"


def connect(path: Path):
    """A DuckDB connection with the view `cases` over the file, and the file's column types."""
    duckdb = _duckdb()
    if not path.is_file():
        raise InputError(Problem("does not exist" if not path.exists() else "is not a file", str(path)))
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW {SOURCE} AS SELECT * FROM {reader_sql(path)}")
        described = con.execute(f"DESCRIBE SELECT * FROM {SOURCE}").fetchall()
    except duckdb.Error as exc:
        con.close()
        raise InputError(Problem(f"cannot be read as a table of case records: {_first_line(exc)}", str(path))) from None
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
    groups = [group_counts_from_row(dict(zip(names, row, strict=True)), len(query.columns), query) for row in rows]
    groups.sort(key=lambda g: (g.group is None, g.group or ""))
    return query, sql, groups
