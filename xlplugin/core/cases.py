"""Funnels from case records (one row per case): the vocabulary, the query, and the funnel it gives.

Pure: no I/O and no engine. The SQL that engines run is written from `CaseQuery` in
`xlplugin.cases.sql`; `count_cases` here is the same counting in plain Python, for the Excel
function and as a second implementation the tests hold the SQL to.

The rules, in one place:

- a stage cell is *reached* when it holds a true flag (`TRUE_FLAGS`) or an ISO date/time;
  *not reached* when it holds a false flag (`FALSE_FLAGS`); *missing* when empty; anything else
  is *unparseable*. Missing and unparseable cells count as not reached, and are counted and
  reported by column, so a gap in the data is never silently a "no".
- with an id column, a case is one distinct id: a stage is reached if any of its rows reach
  it, at the earliest date among them; duplicate ids are counted.
- default (any order): each stage counts every case that reached it; a stage is a subset of
  the previous one only where the data say so, and the cases that reached a stage without an
  earlier one are counted and named (the Met's 20 who phoned in without a visit).
- ordered: a stage counts only if every earlier stage counted and, where both have dates, no
  earlier stage's date is after this one's (those cases are reported as out of order).
- within: a later stage counts only if its date is on or after the first stage's date and at
  most the window after it (cases without both dates cannot be tested and are reported).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xlplugin.core.counts import CONFIDENTIAL_SYMBOL
from xlplugin.core.errors import InputError, Problem
from xlplugin.core.funnel import OUTSIDE, StageRecord

#: Cell texts (case-insensitive, trimmed) that mean "this stage was reached".
TRUE_FLAGS = ("1", "yes", "true", "y", "x")
#: Cell texts that mean "this stage was not reached".
FALSE_FLAGS = ("0", "no", "false", "n")
#: An ISO date, optionally with a time (`2021-06-17`, `2021-06-17 09:30`, `2021-06-17T09:30:00`).
ISO_DATE_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?$"
)
_ISO_DATE = re.compile(ISO_DATE_PATTERN)

PERIODS = ("month", "quarter", "year")
#: The unit when nobody stated one: never assume "people".
UNIT_NOT_STATED = "not stated"
#: Suppressed small counts are written as the GSS shorthand.
SUPPRESSED_TEXT = CONFIDENTIAL_SYMBOL

MISSING, REACHED, NOT_REACHED, UNPARSEABLE = "missing", "reached", "not reached", "unparseable"

_WITHIN = re.compile(r"^\s*(\d+)\s*(d|day|days|w|week|weeks|h|hour|hours)\s*$", re.IGNORECASE)
_SECONDS = {"d": 86400, "w": 7 * 86400, "h": 3600}


@dataclass(frozen=True)
class CaseQuery:
    """What to count from a case table. `columns` are the stage columns in funnel order."""

    columns: tuple[str, ...]
    names: tuple[str, ...] = ()  # display names of the stages (default: the column names)
    id: str | None = None
    by: str | None = None
    by_period: str | None = None
    ordered: bool = False
    within: str | None = None  # as given, e.g. "30d"
    within_seconds: int | None = None
    unit: str | None = None
    suppress_below: int | None = None

    @property
    def stage_names(self) -> tuple[str, ...]:
        return self.names or self.columns

    def describe(self) -> str:
        """The query in one sentence (recorded on the report's data sheet)."""
        parts = ["stages " + ", ".join(f"'{c}'" for c in self.columns)]
        if self.id:
            parts.append(f"one case per distinct '{self.id}'")
        if self.by:
            parts.append(f"one programme per '{self.by}'")
        if self.by_period:
            parts.append(f"one programme per {self.by_period} of the first stage's date")
        parts.append("ordered" if self.ordered else "any order")
        if self.within:
            parts.append(f"within {self.within} of the first stage")
        if self.suppress_below:
            parts.append(f"counts from 1 to {self.suppress_below - 1} suppressed as {SUPPRESSED_TEXT}")
        return "; ".join(parts)


def parse_within(text: str) -> int:
    """`30d`, `4w`, `12h` -> seconds. Raises ValueError with a message a user can act on."""
    m = _WITHIN.match(text or "")
    if not m or int(m.group(1)) <= 0:
        raise ValueError(
            f"--within must be a positive number of days, weeks or hours such as 30d, 4w, 12h, not '{text}'"
        )
    return int(m.group(1)) * _SECONDS[m.group(2)[0].lower()]


def parse_stages(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`visited,interest=Expressed interest` -> (columns, names): a stage may be renamed with `=`."""
    columns, names = [], []
    for item in (text or "").split(","):
        column, _, name = item.partition("=")
        column, name = column.strip(), name.strip()
        if not column:
            raise ValueError(
                f"--stages must name the stage columns in funnel order, e.g. visited,followed_up: '{text}'"
            )
        columns.append(column)
        names.append(name or column)
    lowered = [c.lower() for c in columns]
    dupes = sorted({c for c in columns if lowered.count(c.lower()) > 1})
    if dupes:
        raise ValueError(f"--stages names column(s) {', '.join(dupes)} more than once")
    return tuple(columns), tuple(names)


def make_query(
    stages: str,
    *,
    id: str | None = None,
    by: str | None = None,
    by_period: str | None = None,
    ordered: bool = False,
    within: str | None = None,
    unit: str | None = None,
    suppress_below: int | None = None,
) -> CaseQuery:
    """A validated CaseQuery from command-line style options, or InputError naming the option."""
    problems: list[Problem] = []
    try:
        columns, names = parse_stages(stages)
    except ValueError as exc:
        problems.append(Problem(str(exc), column="--stages"))
        columns, names = (), ()
    seconds = None
    if within is not None:
        try:
            seconds = parse_within(within)
        except ValueError as exc:
            problems.append(Problem(str(exc), column="--within"))
    if by and by_period:
        problems.append(Problem("use --by or --by-period, not both", column="--by-period"))
    if by_period is not None and by_period not in PERIODS:
        problems.append(Problem(f"--by-period must be one of {', '.join(PERIODS)}", column="--by-period"))
    if suppress_below is not None and suppress_below < 2:
        problems.append(Problem("--suppress-below must be 2 or more (5 suppresses 1 to 4)", column="--suppress-below"))
    if problems:
        raise InputError(problems)
    return CaseQuery(
        columns=columns,
        names=names,
        id=id or None,
        by=by or None,
        by_period=by_period,
        ordered=ordered,
        within=within.strip() if within else None,
        within_seconds=seconds,
        unit=(unit or "").strip() or None,
        suppress_below=suppress_below,
    )


# ------------------------------------------------------------------ one cell


def classify(value: object) -> tuple[str, dt.datetime | None]:
    """(kind, date) of one stage cell: kind is REACHED, NOT_REACHED, MISSING or UNPARSEABLE.

    Python values as Excel or a reader give them: None/"" missing; bool; 1/0; date or datetime.
    Text is trimmed and matched case-insensitively against the flags, then as an ISO date.
    """
    if value is None:
        return MISSING, None
    if isinstance(value, bool):
        return (REACHED if value else NOT_REACHED), None
    if isinstance(value, dt.datetime):
        return REACHED, value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return REACHED, dt.datetime(value.year, value.month, value.day)
    if isinstance(value, int | float):
        if value == 1:
            return REACHED, None
        if value == 0:
            return NOT_REACHED, None
        return UNPARSEABLE, None
    text = str(value).strip()
    if not text:
        return MISSING, None
    low = text.lower()
    if low in TRUE_FLAGS:
        return REACHED, None
    if low in FALSE_FLAGS:
        return NOT_REACHED, None
    if _ISO_DATE.match(text):
        try:
            return REACHED, dt.datetime.fromisoformat(text.replace("T", " "))
        except ValueError:  # 2021-02-30 has the shape of a date but is none
            return UNPARSEABLE, None
    return UNPARSEABLE, None


# ------------------------------------------------------------------ what an engine returns


@dataclass
class GroupCounts:
    """The aggregate of one programme (or of the whole file): every number the output shows.

    Stage lists are indexed by stage position; `not_subset[(i, j)]` (j < i) counts cases that
    reached stage i without stage j; `counted_not_subset` the same over counted stages.
    """

    group: str | None
    rows: int = 0
    cases: int = 0
    rows_without_id: int = 0
    duplicate_ids: int = 0
    duplicate_rows: int = 0
    reached: list[int] = field(default_factory=list)
    counted: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    unparseable: list[int] = field(default_factory=list)
    not_subset: dict[tuple[int, int], int] = field(default_factory=dict)
    counted_not_subset: dict[tuple[int, int], int] = field(default_factory=dict)
    out_of_order: list[int] = field(default_factory=list)
    outside_window: list[int] = field(default_factory=list)
    undated: list[int] = field(default_factory=list)

    def as_json(self, query: CaseQuery) -> dict[str, object]:
        names = query.stage_names
        shown = _shower(query.suppress_below)
        stages = []
        for i, name in enumerate(names):
            entry: dict[str, object] = {
                "stage": name,
                "column": query.columns[i],
                "count": shown(self.counted[i]),
                "reached": shown(self.reached[i]),
                "missing_cells": shown(self.missing[i]),
                "unparseable_cells": shown(self.unparseable[i]),
                "not_subset_of": {names[j]: shown(n) for (a, j), n in sorted(self.not_subset.items()) if a == i and n},
            }
            if query.ordered and i:
                entry["out_of_order"] = shown(self.out_of_order[i])
            if query.within_seconds and i:
                entry["outside_window"] = shown(self.outside_window[i])
                entry["undated"] = shown(self.undated[i])
            stages.append(entry)
        return {
            "programme": self.group,
            "rows": self.rows,
            "cases": self.cases,
            "rows_without_id": self.rows_without_id,
            "duplicate_ids": self.duplicate_ids,
            "duplicate_rows": self.duplicate_rows,
            "stages": stages,
        }


# ------------------------------------------------------------------ patterns: what an engine returns

#: A stage cell's state in a pattern without --id (per row); with --id a pattern holds reached (1/0).
STATE_CODES = {NOT_REACHED: 0, REACHED: 1, MISSING: 2, UNPARSEABLE: 3}
#: Whether a later stage is within the window of the first: outside, within, no date to tell.
WIN_OUTSIDE, WIN_WITHIN, WIN_UNDATED = 0, 1, 2


def _int(value: object) -> int:
    """A count from an engine: an int, or text from a CSV or psql; empty is 0."""
    return 0 if value is None or value == "" else int(str(value))


def counts_from_patterns(rows: Iterable[Mapping[str, object]], query: CaseQuery) -> list[GroupCounts]:
    """The funnel's counts from the engine's pattern rows (columns as `xlplugin.cases.sql` names them).

    A pattern is one combination of per-case facts (each stage reached or not, and with dates
    whether it is in order and within the window), with how many cases, rows and empty or
    unparseable cells have it. Every count the output shows is a sum over patterns, here, in
    one place: the engines only classify cells and compare dates.
    """
    n = len(query.columns)
    out: dict[str | None, GroupCounts] = {}
    for row in rows:
        group = row.get("grp")
        if group not in (None, "") and query.by_period:  # the engine gives the period's first day
            group = period_of(dt.datetime.fromisoformat(str(group)[:10]), query.by_period)
        name = None if group in (None, "") else str(group)
        g = out.get(name)
        if g is None:
            g = out[name] = _empty_group(name, n)
        weight = _int(row.get("n_cases"))
        if query.id:
            rows_here = _int(row.get("n_rows"))
            reached = [_int(row.get(f"r_{k}")) == 1 for k in range(1, n + 1)]
            for i in range(n):
                g.missing[i] += _int(row.get(f"m_{i + 1}"))
                g.unparseable[i] += _int(row.get(f"u_{i + 1}"))
        else:
            rows_here = weight
            states = [_int(row.get(f"s_{k}")) for k in range(1, n + 1)]
            reached = [state == 1 for state in states]
            for i, state in enumerate(states):
                g.missing[i] += weight if state == 2 else 0
                g.unparseable[i] += weight if state == 3 else 0
        g.rows += rows_here
        if query.id and _int(row.get("has_id")) == 0:
            g.rows_without_id += rows_here
            continue
        g.cases += weight
        if query.id and _int(row.get("dup")) == 1:
            g.duplicate_ids += weight
            g.duplicate_rows += rows_here - weight
        in_order = [True] + [_int(row.get(f"ok_{k}", 1)) == 1 for k in range(2, n + 1)]
        window = [WIN_WITHIN] + [_int(row.get(f"win_{k}", WIN_WITHIN)) for k in range(2, n + 1)]
        _count_case(g, reached, in_order, window, query, weight)
    return sorted(out.values(), key=lambda g: (g.group is None, g.group or ""))


def _count_case(
    g: GroupCounts, reached: list[bool], in_order: list[bool], window: list[int], query: CaseQuery, weight: int
) -> None:
    """Add `weight` cases with these facts to `g`: the counting rules (module docstring), once."""
    n = len(reached)
    within = bool(query.within_seconds)
    counted = [False] * n
    for i in range(n):
        if reached[i]:
            g.reached[i] += weight
        for j in range(i):
            if reached[i] and not reached[j]:
                g.not_subset[(i, j)] += weight
        prefix = True
        if query.ordered and i:
            prefix = counted[i - 1]
            if prefix and reached[i] and not in_order[i]:
                g.out_of_order[i] += weight
            prefix = prefix and in_order[i]
        if within and i and prefix and reached[i]:
            if window[i] == WIN_UNDATED:
                g.undated[i] += weight
            elif window[i] == WIN_OUTSIDE:
                g.outside_window[i] += weight
        counted[i] = prefix and reached[i] and (not within or i == 0 or window[i] == WIN_WITHIN)
        if counted[i]:
            g.counted[i] += weight
    # only --within without --ordered makes counted stages differ from reached ones in nesting
    tested = counted if within and not query.ordered else reached
    for i in range(n):
        for j in range(i):
            if tested[i] and not tested[j]:
                g.counted_not_subset[(i, j)] += weight


# ------------------------------------------------------------------ the same counting in Python


def period_of(when: dt.datetime, period: str) -> str:
    """The programme name of the month, quarter or year `when` falls in: 2021-06, 2021 Q2, 2021."""
    if period == "month":
        return f"{when.year:04d}-{when.month:02d}"
    if period == "quarter":
        return f"{when.year:04d} Q{(when.month - 1) // 3 + 1}"
    return f"{when.year:04d}"


def count_cases(
    rows: Iterable[Sequence[object]],
    query: CaseQuery,
    *,
    ids: Sequence[object] | None = None,
    groups: Sequence[object] | None = None,
) -> list[GroupCounts]:
    """Count case rows (each a sequence of stage cells) as the SQL does; one GroupCounts per group.

    Cells are classified and dates compared here in Python, then the patterns go through
    `counts_from_patterns` like an engine's. `ids` and `groups` give each row's id and `--by`
    value. Rows without an id are one pseudo-case per group, left out of the counts.
    """
    n = len(query.columns)
    per_case: dict[tuple[object, object], list[Any]] = {}
    for r, row in enumerate(rows):
        cid = _blank_none(ids[r]) if ids is not None else ("row", r)
        raw_group = _blank_none(groups[r]) if groups is not None else None
        case = per_case.get((raw_group, cid))
        if case is None:
            case = per_case[(raw_group, cid)] = [[False] * n, [None] * n, 0, cid is not None, [0] * n, [0] * n, None]
        case[2] += 1
        states = []
        for i in range(n):
            kind, when = classify(row[i] if i < len(row) else None)
            states.append(STATE_CODES[kind])
            if kind == MISSING:
                case[4][i] += 1
            elif kind == UNPARSEABLE:
                case[5][i] += 1
            case[0][i] = case[0][i] or kind == REACHED
            if when is not None and (case[1][i] is None or when < case[1][i]):
                case[1][i] = when
        case[6] = states
    patterns = []
    for (raw_group, _cid), (reached, dates, nrows, has_id, missing, unparseable, states) in per_case.items():
        group = raw_group
        if query.by_period:
            group = dates[0].date().isoformat() if dates[0] is not None else None
        pattern: dict[str, object] = {"grp": group, "n_cases": 1}
        if query.id:
            pattern.update(n_rows=nrows, has_id=int(has_id), dup=int(nrows > 1))
            for i in range(n):
                pattern.update({f"r_{i + 1}": int(reached[i]), f"m_{i + 1}": missing[i], f"u_{i + 1}": unparseable[i]})
        else:
            pattern.update({f"s_{i + 1}": states[i] for i in range(n)})
        for i in range(1, n):
            d, earlier = dates[i], dates[:i]
            pattern[f"ok_{i + 1}"] = int(all(e is None or d is None or e <= d for e in earlier))
            d0 = dates[0]
            if d0 is None or d is None:
                pattern[f"win_{i + 1}"] = WIN_UNDATED
            else:
                inside = d0 <= d and (d - d0).total_seconds() <= (query.within_seconds or 0)
                pattern[f"win_{i + 1}"] = WIN_WITHIN if inside else WIN_OUTSIDE
        patterns.append(pattern)
    if query.by_period:  # as the engine gives it: the first day of the period, in ISO
        for pattern in patterns:
            if pattern["grp"] is not None:
                day = dt.date.fromisoformat(str(pattern["grp"]))
                month = {"month": day.month, "quarter": 3 * ((day.month - 1) // 3) + 1, "year": 1}[query.by_period]
                pattern["grp"] = dt.date(day.year, month, 1).isoformat()
    return counts_from_patterns(patterns, query)


def _blank_none(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and value == int(value):
        value = int(value)
    text = str(value).strip()
    return text or None


def _empty_group(name: str | None, n: int) -> GroupCounts:
    return GroupCounts(
        group=name,
        reached=[0] * n,
        counted=[0] * n,
        missing=[0] * n,
        unparseable=[0] * n,
        not_subset={(i, j): 0 for i in range(n) for j in range(i)},
        counted_not_subset={(i, j): 0 for i in range(n) for j in range(i)},
        out_of_order=[0] * n,
        outside_window=[0] * n,
        undated=[0] * n,
    )


# ------------------------------------------------------------------ counts -> funnel records


def _shower(threshold: int | None) -> Callable[[int], int | str]:
    def shown(n: int) -> int | str:
        return SUPPRESSED_TEXT if threshold and 0 < n < threshold else n

    return shown


def funnel_records(groups: list[GroupCounts], query: CaseQuery) -> list[StageRecord]:
    """The funnel as stage records (what a funnel CSV would have said), one programme per group.

    Default mode: a stage's base is the nearest earlier stage it is a subset of in the data
    (the previous one when it is); `none` (outside the funnel) when it is a subset of none.
    """
    names = query.stage_names
    unit = query.unit or UNIT_NOT_STATED
    shown = _shower(query.suppress_below)
    records: list[StageRecord] = []
    programme_groups = [g for g in groups if g.group is not None or not (query.by or query.by_period)]
    for g in programme_groups:
        for i, name in enumerate(names):
            base: str | None = ""
            if i and not query.ordered:
                subset_of = [j for j in range(i - 1, -1, -1) if g.counted_not_subset.get((i, j), 0) == 0]
                if not subset_of:
                    base = OUTSIDE
                elif subset_of[0] != i - 1:
                    base = names[subset_of[0]]
            records.append(
                StageRecord(
                    stage=name,
                    count=str(shown(g.counted[i])),
                    base=base,
                    unit=unit,
                    programme=g.group if (query.by or query.by_period) else None,
                    note=stage_note(g, i, query),
                )
            )
    return records


def stage_note(g: GroupCounts, i: int, query: CaseQuery) -> str:
    """What the case records say about stage i beyond its count (not subsets, gaps, order, window)."""
    names, columns = query.stage_names, query.columns
    shown = _shower(query.suppress_below)
    said = []
    for j in range(i):
        n = g.not_subset.get((i, j), 0)
        if n:
            said.append(f"{shown(n)} case(s) reached it without '{names[j]}'")
    if g.missing[i] or g.unparseable[i]:
        said.append(
            f"column '{columns[i]}' has {shown(g.missing[i])} empty and {shown(g.unparseable[i])} unparseable "
            "cell(s), counted as not reached"
        )
    if query.ordered and i and g.out_of_order[i]:
        said.append(f"{shown(g.out_of_order[i])} case(s) not counted: dated before an earlier stage")
    if query.within_seconds and i:
        if g.outside_window[i]:
            said.append(f"{shown(g.outside_window[i])} case(s) not counted: outside {query.within} of the first stage")
        if g.undated[i]:
            said.append(f"{shown(g.undated[i])} case(s) not counted: no date to test --within {query.within}")
    return "; ".join(said)


def summary_lines(groups: list[GroupCounts], query: CaseQuery, source: str) -> list[str]:
    """The case counts the funnel came from, for people: what was read and what was found."""
    shown = _shower(query.suppress_below)
    lines = [f"Case records: {source} ({query.describe()})"]
    if query.suppress_below:
        lines.append(
            f"Suppression: counts from 1 to {query.suppress_below - 1} are shown as {SUPPRESSED_TEXT} "
            f"(--suppress-below {query.suppress_below})."
        )
    for g in groups:
        label = g.group if g.group is not None else None
        if label is None and (query.by or query.by_period):
            what = f"no '{query.by}'" if query.by else "no date for the first stage"
            lines.append(f"  {g.cases:,} case(s) have {what}: they are in no programme.")
            continue
        head = f"  {label}: " if label is not None else "  "
        text = f"{head}{g.rows:,} row(s), {g.cases:,} case(s)"
        if query.id:
            text += f"; {g.duplicate_ids:,} id(s) on more than one row ({g.duplicate_rows:,} extra row(s))"
            if g.rows_without_id:
                text += f"; {g.rows_without_id:,} row(s) without an id, left out"
        lines.append(text + ".")
        for i, name in enumerate(query.stage_names):
            note = stage_note(g, i, query)
            if note:
                lines.append(f"    {name} ({shown(g.counted[i])}): {note}.")
    return lines
