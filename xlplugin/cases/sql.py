"""The one SQL query per funnel, written from a `CaseQuery`; and the same query in other dialects.

Pure text building (no engine). The query is written once, in DuckDB's dialect, from portable
parts only (CASE, COUNT/SUM, MIN/MAX, TRIM/LOWER, a regular-expression match, TRY_CAST,
DATE_DIFF, DATE_TRUNC, GROUP BY), so that SQLGlot can carry it unchanged in meaning to
PostgreSQL, Spark, BigQuery and T-SQL. Result columns are named as
`xlplugin.core.cases.counts_from_patterns` reads them.

Why patterns: the engine classifies every cell and compares dates, and groups the cases by
what it found; a funnel has few such patterns (at most a few hundred), so the counting rules
run once, in Python, over a handful of rows, and any engine's output feeds them alike. A case
may span rows (with `--id`): each stage's reached flag and earliest date are taken per case
first.
"""

from __future__ import annotations

from xlplugin.core.cases import FALSE_FLAGS, ISO_DATE_PATTERN, TRUE_FLAGS, CaseQuery

#: The table (or view) the query reads: the case file, or a warehouse table of the same shape.
SOURCE = "cases"
DIALECTS = ("duckdb", "postgres", "spark", "bigquery", "tsql")

_DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE")
_INT_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


def quote(name: str) -> str:
    """A quoted SQL identifier (SQLGlot re-quotes it for each dialect)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(literal(v) for v in values) + ")"


def _stage_columns(k: int, column: str, sql_type: str) -> tuple[str, str, str]:
    """Stage k's cell as (its text or typed value v_k, its date d_k, its state s_k).

    s: 0 not reached (a false flag), 1 reached (a true flag or a date), 2 missing (empty),
    3 unparseable (`xlplugin.core.cases.STATE_CODES`).
    """
    col, v, d = quote(column), f"v_{k}", f"d_{k}"
    t = sql_type.upper()
    if t in _DATE_TYPES:
        return f"{col} AS {v}", f"CAST({v} AS TIMESTAMP) AS {d}", f"CASE WHEN {v} IS NULL THEN 2 ELSE 1 END AS s_{k}"
    if t == "BOOLEAN":
        return (
            f"{col} AS {v}",
            f"CAST(NULL AS TIMESTAMP) AS {d}",
            f"CASE WHEN {v} IS NULL THEN 2 WHEN {v} THEN 1 ELSE 0 END AS s_{k}",
        )
    if t in _INT_TYPES:
        return (
            f"{col} AS {v}",
            f"CAST(NULL AS TIMESTAMP) AS {d}",
            f"CASE WHEN {v} IS NULL THEN 2 WHEN {v} = 1 THEN 1 WHEN {v} = 0 THEN 0 ELSE 3 END AS s_{k}",
        )
    # text (CSV cells, or any other type, read as its text)
    return (
        f"TRIM(CAST({col} AS VARCHAR)) AS {v}",
        f"CASE WHEN REGEXP_MATCHES({v}, {literal(ISO_DATE_PATTERN)}) "
        f"THEN TRY_CAST(REPLACE({v}, 'T', ' ') AS TIMESTAMP) END AS {d}",
        f"CASE WHEN {v} IS NULL OR {v} = '' THEN 2 WHEN LOWER({v}) IN {_in(TRUE_FLAGS)} OR d_{k} IS NOT NULL THEN 1 "
        f"WHEN LOWER({v}) IN {_in(FALSE_FLAGS)} THEN 0 ELSE 3 END AS s_{k}",
    )


def _key(column: str) -> str:
    return f"NULLIF(TRIM(CAST({quote(column)} AS VARCHAR)), '')"


def build_sql(query: CaseQuery, types: dict[str, str] | None = None, source: str = SOURCE) -> str:
    """The DuckDB SQL that counts the patterns of `query` over table `source`.

    It returns one row per pattern (group, each stage reached or its state, in order, within
    the window) with how many cases, rows and empty or unparseable cells have it; the funnel
    and every diagnostic are sums over these rows (`xlplugin.core.cases.counts_from_patterns`).
    `types` maps a stage column to its SQL type when the engine knows it (Parquet): dates,
    booleans and integers are then read as such; any other column is read as text.
    """
    types = types or {}
    n = len(query.columns)
    ks = range(1, n + 1)
    text_types = {k: types.get(c, "VARCHAR").upper() for k, c in zip(ks, query.columns, strict=True)}
    keys = (["cid"] if query.id else []) + (["g"] if query.by else [])
    texts = []
    if query.id:
        texts.append(f"{_key(query.id)} AS cid")
    if query.by:
        texts.append(f"{_key(query.by)} AS g")
    # dates are read only when something compares them (reading them costs time at scale)
    dates = bool(query.ordered or query.within_seconds or query.by_period)
    dated, cells = list(keys), list(keys)
    for k, column in zip(ks, query.columns, strict=True):
        v, d, state = _stage_columns(k, column, text_types[k])
        texts.append(v)
        textual = text_types[k] not in _DATE_TYPES + ("BOOLEAN",) + _INT_TYPES
        dated += [f"v_{k}"] + ([d] if dates or textual else [])  # a text cell needs its date to be read
        cells += [state] + ([f"d_{k}"] if dates else [])

    if query.id:
        per_case = [
            *(["g"] if query.by else []),
            "COUNT(*) AS n",
            "CASE WHEN cid IS NULL THEN 0 ELSE 1 END AS has_id",
        ]
        for k in ks:
            per_case += [
                f"MAX(CASE WHEN s_{k} = 1 THEN 1 ELSE 0 END) AS r_{k}",
                f"SUM(CASE WHEN s_{k} = 2 THEN 1 ELSE 0 END) AS m_{k}",
                f"SUM(CASE WHEN s_{k} = 3 THEN 1 ELSE 0 END) AS u_{k}",
            ]
            per_case += [f"MIN(d_{k}) AS d_{k}"] if dates else []
        group = "cid" + (", g" if query.by else "")
        cases_from = f"(SELECT cid, {', '.join(per_case)} FROM cells GROUP BY {group}) AS per_case"
        facts = ["has_id", "CASE WHEN n > 1 THEN 1 ELSE 0 END AS dup"] + [f"r_{k}" for k in ks]
        sums = ["SUM(n) AS n_rows"] + [f"SUM({x}_{k}) AS {x}_{k}" for k in ks for x in ("m", "u")]
        passed = ["n"] + [f"{x}_{k}" for k in ks for x in ("m", "u")]
    else:  # every row is a case
        cases_from = "cells"
        facts = [f"s_{k}" for k in ks]
        sums, passed = [], []
    if query.ordered:  # no earlier stage dated after this one
        for k in range(2, n + 1):
            cond = " AND ".join(f"(d_{j} IS NULL OR d_{k} IS NULL OR d_{j} <= d_{k})" for j in range(1, k))
            facts.append(f"CASE WHEN {cond} THEN 1 ELSE 0 END AS ok_{k}")
    if query.within_seconds:  # 0 outside the window, 1 within, 2 no date to tell
        for k in range(2, n + 1):
            seconds = f"DATE_DIFF('second', d_1, d_{k}) <= {query.within_seconds}"
            inside = f"d_1 <= d_{k} AND {seconds}"
            facts.append(f"CASE WHEN d_1 IS NULL OR d_{k} IS NULL THEN 2 WHEN {inside} THEN 1 ELSE 0 END AS win_{k}")
    if query.by:
        facts.insert(0, "g AS grp")
    elif query.by_period:
        facts.insert(0, f"CAST(CAST(DATE_TRUNC({literal(query.by_period)}, d_1) AS DATE) AS VARCHAR) AS grp")
    names = [f.rsplit(" AS ", 1)[-1] for f in facts]
    return (
        f"WITH texts AS (SELECT {', '.join(texts)} FROM {source}), "
        f"dated AS (SELECT {', '.join(dated)} FROM texts), "
        f"cells AS (SELECT {', '.join(cells)} FROM dated), "
        f"facts AS (SELECT {', '.join(facts + passed)} FROM {cases_from}) "
        f"SELECT {', '.join(names)}, COUNT(*) AS n_cases{''.join(', ' + x for x in sums)} "
        f"FROM facts GROUP BY {', '.join(names)}"
    )


def transpile(sql: str, dialect: str, *, pretty: bool = True) -> str:
    """`sql` (DuckDB's dialect) in another engine's dialect, by SQLGlot."""
    if dialect not in DIALECTS:
        raise ValueError(f"--sql must be one of {', '.join(DIALECTS)}")
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=pretty)[0]
