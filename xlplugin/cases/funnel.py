"""A funnel counted from case records: the query run, its counts turned into a `Funnel`.

`load_cases` runs the one query on DuckDB and turns its counts into the same `Funnel` a funnel
CSV gives, so rates, claims and the report apply unchanged. The rules are in
`xlplugin.core.cases`, the SQL in `xlplugin.cases.sql`, the engine in `xlplugin.cases.engine`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from xlplugin.core.cases import (
    SUPPRESSED_TEXT,
    CaseQuery,
    GroupCounts,
    funnel_records,
    summary_lines,
)
from xlplugin.core.counts import DEFAULT_SUPPRESSED
from xlplugin.core.errors import InputError, Problem
from xlplugin.core.funnel import Funnel, StageRecord, build_funnel

#: The columns of the funnel table a case query gives (as a funnel CSV would have them).
FUNNEL_HEADER = ("programme", "stage", "count", "base", "unit", "note")


@dataclass(frozen=True)
class CaseFunnel:
    """A funnel counted from case records, with everything needed to say how."""

    funnel: Funnel
    query: CaseQuery
    sql: str
    groups: tuple[GroupCounts, ...]
    records: tuple[StageRecord, ...]
    path: Path
    counted_elsewhere: bool = False  # the source file is the saved result of the query run on another engine

    @property
    def suppressed(self) -> tuple[int, int]:
        """The range `[c]` stands for: 1 to N-1 under --suppress-below N."""
        n = self.query.suppress_below
        return (1, n - 1) if n else DEFAULT_SUPPRESSED

    @property
    def notes(self) -> tuple[str, ...]:
        """As `xlplugin.inputs.loader.Loaded.notes`: nothing to add (the summary says it all)."""
        return ()

    def summary(self) -> str:
        return "\n".join(summary_lines(list(self.groups), self.query, self.path.name))

    def table(self) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """The funnel as a funnel CSV's header and rows (the report's data sheet)."""
        by = bool(self.query.by or self.query.by_period)
        header = FUNNEL_HEADER if by else FUNNEL_HEADER[1:]
        rows = []
        for r in self.records:
            row = (r.programme or "",) if by else ()
            rows.append(row + (r.stage, str(r.count), r.base or "", r.unit or "", r.note or ""))
        return header, tuple(rows)

    def as_json(self) -> dict:
        return {
            "file": self.path.name,
            "query": self.query.describe(),
            "sql": self.sql,
            "suppressed_below": self.query.suppress_below,
            "programmes": [g.as_json(self.query) for g in self.groups if g.group is not None or not self.query_groups],
            "not_in_any_programme": sum(g.cases for g in self.groups if g.group is None and self.query_groups),
        }

    @property
    def query_groups(self) -> bool:
        return bool(self.query.by or self.query.by_period)


def load_cases(path: str | Path, query: CaseQuery) -> CaseFunnel:
    """Count the funnel of `query` in the case file at `path` (CSV or Parquet) with DuckDB."""
    from xlplugin.cases.engine import run

    path = Path(path)
    query, sql, groups = run(path, query)
    if not any(g.rows for g in groups):
        raise InputError(Problem("there are no case records: the file has a header but no data rows", str(path)))
    records = funnel_records(groups, query)
    if not records:
        what = f"'{query.by}'" if query.by else "a date in the first stage's column"
        raise InputError(Problem(f"no case has {what}, so there is no funnel to count", str(path)))
    suppressed = (1, query.suppress_below - 1) if query.suppress_below else DEFAULT_SUPPRESSED
    funnel = build_funnel(records, source=str(path), suppressed=suppressed)
    return CaseFunnel(funnel, query, sql, tuple(groups), tuple(records), path)


def expected_columns(query: CaseQuery) -> list[str]:
    """The columns of the query's result, as `xlplugin.cases.sql.build_sql` names them."""
    n = len(query.columns)
    names = ["grp"] if (query.by or query.by_period) else []
    if query.id:
        names += ["has_id", "dup"] + [f"r_{k}" for k in range(1, n + 1)]
    else:
        names += [f"s_{k}" for k in range(1, n + 1)]
    names += [f"ok_{k}" for k in range(2, n + 1)] if query.ordered else []
    names += [f"win_{k}" for k in range(2, n + 1)] if query.within_seconds else []
    names.append("n_cases")
    if query.id:
        names += ["n_rows"] + [f"{x}_{k}" for k in range(1, n + 1) for x in ("m", "u")]
    return names


def load_query_result(path: str | Path, query: CaseQuery) -> CaseFunnel:
    """The funnel from the result of the `--sql` query run on another engine, saved as CSV.

    The query's options (--stages, --id, --ordered ...) must be given again: they say what
    the columns mean. The result is small (one row per pattern), so Python reads it.
    """
    import csv

    from xlplugin.cases.sql import build_sql
    from xlplugin.core.cases import counts_from_patterns

    path = Path(path)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(f"is not UTF-8 text (byte {exc.start})", label)) from None
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]  # warehouses may upper-case names
    expected = expected_columns(query)
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    if missing or extra:
        said = [f"no column(s) {', '.join(missing)}"] if missing else []
        said += [f"column(s) {', '.join(extra)} these options do not make"] if extra else []
        raise InputError(
            Problem(
                f"is not the result of the query these options make: it has {' and '.join(said)} "
                f"(expected {', '.join(expected)}); give the same --stages, --id, --by, --by-period, --ordered "
                "and --within as for --sql",
                label,
            )
        )
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        row = dict(zip(header, (v.strip() for v in values), strict=False))
        for column in expected:
            if column != "grp" and row.get(column, "") not in ("",) and not row[column].lstrip("-").isdigit():
                raise InputError(Problem(f"'{row[column]}' is not a whole number", label, line, column))
        rows.append(row)
    groups = counts_from_patterns(rows, query)
    if not any(g.rows for g in groups):
        raise InputError(Problem("the query result has no rows: the case table was empty", label))
    records = funnel_records(groups, query)
    suppressed = (1, query.suppress_below - 1) if query.suppress_below else DEFAULT_SUPPRESSED
    funnel = build_funnel(records, source=label, suppressed=suppressed)
    return CaseFunnel(funnel, query, build_sql(query), tuple(groups), tuple(records), path, counted_elsewhere=True)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (case files can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["SUPPRESSED_TEXT", "CaseFunnel", "CaseQuery", "load_cases", "sha256_of"]
