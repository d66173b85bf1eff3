"""The one SQL query per funnel, written from a `CaseQuery`; and the same query in other dialects.

Pure text building (no engine). The query is written once, in DuckDB's dialect, from portable
parts only (CASE, SUM, MIN/MAX, TRIM/LOWER, a regular-expression match, TRY_CAST, DATE_DIFF,
DATE_TRUNC), so that SQLGlot can carry it unchanged in meaning to PostgreSQL, Spark, BigQuery
and T-SQL. Result columns are named as `xlplugin.core.cases.group_counts_from_row` reads them.

Why three steps (cells, cases, the aggregate): a case may span rows (with `--id`), so each
stage's reached flag and earliest date are taken per case before the funnel is counted.
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


def _stage_columns(k: int, column: str, sql_type: str) -> tuple[str, str, list[str]]:
    """Stage k's cell as (its text or typed value v_k, its date d_k, [m_k, u_k, r_k]).

    m: missing (empty); u: unparseable; r: reached (a true flag or a date); d: the date, if any.
    """
    col, v, d = quote(column), f"v_{k}", f"d_{k}"
    t = sql_type.upper()
    if t in _DATE_TYPES:
        return (
            f"{col} AS {v}",
            f"CAST({v} AS TIMESTAMP) AS {d}",
            [
                f"CASE WHEN {v} IS NULL THEN 1 ELSE 0 END AS m_{k}",
                f"0 AS u_{k}",
                f"CASE WHEN {v} IS NULL THEN 0 ELSE 1 END AS r_{k}",
            ],
        )
    if t == "BOOLEAN":
        return (
            f"{col} AS {v}",
            f"CAST(NULL AS TIMESTAMP) AS {d}",
            [
                f"CASE WHEN {v} IS NULL THEN 1 ELSE 0 END AS m_{k}",
                f"0 AS u_{k}",
                f"CASE WHEN {v} THEN 1 ELSE 0 END AS r_{k}",
            ],
        )
    if t in _INT_TYPES:
        return (
            f"{col} AS {v}",
            f"CAST(NULL AS TIMESTAMP) AS {d}",
            [
                f"CASE WHEN {v} IS NULL THEN 1 ELSE 0 END AS m_{k}",
                f"CASE WHEN {v} IS NULL OR {v} IN (0, 1) THEN 0 ELSE 1 END AS u_{k}",
                f"CASE WHEN {v} = 1 THEN 1 ELSE 0 END AS r_{k}",
            ],
        )
    # text (CSV cells, or any other type, read as its text)
    return (
        f"TRIM(CAST({col} AS VARCHAR)) AS {v}",
        f"CASE WHEN REGEXP_MATCHES({v}, {literal(ISO_DATE_PATTERN)}) "
        f"THEN TRY_CAST(REPLACE({v}, 'T', ' ') AS TIMESTAMP) END AS {d}",
        [
            f"CASE WHEN {v} IS NULL OR {v} = '' THEN 1 ELSE 0 END AS m_{k}",
            f"CASE WHEN {v} IS NULL OR {v} = '' OR LOWER({v}) IN {_in(TRUE_FLAGS + FALSE_FLAGS)} "
            f"OR {d} IS NOT NULL THEN 0 ELSE 1 END AS u_{k}",
            f"CASE WHEN LOWER({v}) IN {_in(TRUE_FLAGS)} OR {d} IS NOT NULL THEN 1 ELSE 0 END AS r_{k}",
        ],
    )


def _key(column: str) -> str:
    return f"NULLIF(TRIM(CAST({quote(column)} AS VARCHAR)), '')"


def build_sql(query: CaseQuery, types: dict[str, str] | None = None, source: str = SOURCE) -> str:
    """The DuckDB SQL that counts the funnel of `query` over table `source`.

    `types` maps a stage column to its SQL type when the engine knows it (Parquet): dates,
    booleans and integers are then read as such; any other column is read as text.
    """
    types = types or {}
    n = len(query.columns)
    ks = range(1, n + 1)
    keys = (["cid"] if query.id else []) + (["g"] if query.by else [])
    texts = []
    if query.id:
        texts.append(f"{_key(query.id)} AS cid")
    if query.by:
        texts.append(f"{_key(query.by)} AS g")
    dated, cells = list(keys), list(keys)
    for k, column in zip(ks, query.columns, strict=True):
        v, d, flags = _stage_columns(k, column, types.get(column, "VARCHAR"))
        texts.append(v)
        dated += [f"v_{k}", d]
        cells += flags + [f"d_{k}"]

    if query.id:
        per_case = [
            *(["g"] if query.by else []),
            "COUNT(*) AS n",
            "CASE WHEN cid IS NULL THEN 0 ELSE 1 END AS has_id",
        ]
        for k in ks:
            per_case += [f"MAX(r_{k}) AS r_{k}", f"MIN(d_{k}) AS d_{k}", f"SUM(m_{k}) AS m_{k}", f"SUM(u_{k}) AS u_{k}"]
        group = "cid" + (", g" if query.by else "")
        cases_cte = f"SELECT cid, {', '.join(per_case)} FROM cells GROUP BY {group}"
    else:
        cols = [*(["g"] if query.by else []), "1 AS n", "1 AS has_id"]
        cols += [f"{x}_{k}" for k in ks for x in ("r", "d", "m", "u")]
        cases_cte = f"SELECT {', '.join(cols)} FROM cells"

    def ok(k: int) -> str:  # no earlier stage dated after stage k
        return " AND ".join(f"(d_{j} IS NULL OR d_{k} IS NULL OR d_{j} <= d_{k})" for j in range(1, k)) or "1 = 1"

    def within(k: int) -> str:
        if not query.within_seconds or k == 1:
            return "1 = 1"
        seconds = f"DATE_DIFF('second', d_1, d_{k}) <= {query.within_seconds}"
        return f"(d_1 IS NOT NULL AND d_{k} IS NOT NULL AND d_1 <= d_{k} AND {seconds})"

    counted: dict[int, str] = {}
    prefix: dict[int, str] = {}
    for k in ks:
        if query.ordered and k > 1:
            prefix[k] = f"({counted[k - 1]}) AND {ok(k)}"
        else:
            prefix[k] = "1 = 1"
        counted[k] = f"{prefix[k]} AND r_{k} = 1 AND {within(k)}"

    def total(cond: str, alias: str) -> str:
        return f"SUM(CASE WHEN has_id = 1 AND {cond} THEN 1 ELSE 0 END) AS {alias}"

    out = [
        "SUM(n) AS n_rows",
        "SUM(has_id) AS n_cases",
        "SUM(CASE WHEN has_id = 0 THEN n ELSE 0 END) AS no_id_rows",
        "SUM(CASE WHEN has_id = 1 AND n > 1 THEN 1 ELSE 0 END) AS dup_ids",
        "SUM(CASE WHEN has_id = 1 THEN n - 1 ELSE 0 END) AS dup_rows",
    ]
    for k in ks:
        out += [
            f"SUM(m_{k}) AS m_{k}",
            f"SUM(u_{k}) AS u_{k}",
            total(f"r_{k} = 1", f"r_{k}"),
            total(counted[k], f"c_{k}"),
        ]
        for j in range(1, k):
            out.append(total(f"r_{k} = 1 AND r_{j} = 0", f"ns_{k}_{j}"))
            if query.within_seconds and not query.ordered:
                out.append(total(f"({counted[k]}) AND NOT ({counted[j]})", f"nc_{k}_{j}"))
        if query.ordered and k > 1:
            out.append(total(f"({counted[k - 1]}) AND r_{k} = 1 AND NOT ({ok(k)})", f"ooo_{k}"))
        if query.within_seconds and k > 1:
            base = f"({prefix[k]}) AND r_{k} = 1"
            out.append(total(f"{base} AND d_1 IS NOT NULL AND d_{k} IS NOT NULL AND NOT {within(k)}", f"ow_{k}"))
            out.append(total(f"{base} AND (d_1 IS NULL OR d_{k} IS NULL)", f"ud_{k}"))

    if query.by:
        grp = "g"
    elif query.by_period:
        grp = f"CAST(CAST(DATE_TRUNC({literal(query.by_period)}, d_1) AS DATE) AS VARCHAR)"
    else:
        grp = None
    select = (f"{grp} AS grp, " if grp else "") + ", ".join(out)
    tail = f" GROUP BY {grp}" if grp else ""
    return (
        f"WITH texts AS (SELECT {', '.join(texts)} FROM {source}), "
        f"dated AS (SELECT {', '.join(dated)} FROM texts), "
        f"cells AS (SELECT {', '.join(cells)} FROM dated), "
        f"per_case AS ({cases_cte}) "
        f"SELECT {select} FROM per_case{tail}"
    )


def transpile(sql: str, dialect: str, *, pretty: bool = True) -> str:
    """`sql` (DuckDB's dialect) in another engine's dialect, by SQLGlot."""
    if dialect not in DIALECTS:
        raise ValueError(f"--sql must be one of {', '.join(DIALECTS)}")
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=pretty)[0]
