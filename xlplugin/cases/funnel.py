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
    records = funnel_records(groups, query)
    if not records:
        what = f"'{query.by}'" if query.by else "a date in the first stage's column"
        raise InputError(Problem(f"no case has {what}, so there is no funnel to count", str(path)))
    if not any(g.cases for g in groups):
        raise InputError(Problem("there are no case records: the file has a header but no data rows", str(path)))
    suppressed = (1, query.suppress_below - 1) if query.suppress_below else DEFAULT_SUPPRESSED
    funnel = build_funnel(records, source=str(path), suppressed=suppressed)
    return CaseFunnel(funnel, query, sql, tuple(groups), tuple(records), path)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (case files can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["SUPPRESSED_TEXT", "CaseFunnel", "CaseQuery", "load_cases", "sha256_of"]
