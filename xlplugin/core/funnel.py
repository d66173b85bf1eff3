"""The funnel model: programmes of stages, each a subset of its base.

Building a funnel validates everything at once and reports every problem, each located
by line and column, because a user fixing a CSV wants the whole list, not one per run.
"""

from __future__ import annotations

from collections.abc import Callable

from xlplugin.core.counts import DEFAULT_SUPPRESSED, Count, Missing, parse_count, parse_rounding
from xlplugin.core.errors import InputError, Problem
from xlplugin.core.record import NamedTuple, Record, field

#: A stage without a `unit` counts things nobody named: never assume people (PRODUCT.md).
NOT_STATED = "not stated"
DEFAULT_UNIT = NOT_STATED
#: The `base` value that puts a stage outside the funnel (like the Met's 20 self-referrals).
OUTSIDE = "none"


class StageRecord(NamedTuple):
    """One stage as read from a file, still text. `base` None means the column is absent."""

    stage: str
    count: str | int | float | Count  # type: ignore[assignment]  # not tuple.count; a Count when already read (from a percentage)
    base: str | None = None
    unit: str | None = None
    rounding: str | None = None
    programme: str | None = None
    note: str | None = None
    line: int | None = None


class Stage(NamedTuple):
    name: str
    count: Count  # type: ignore[assignment]  # the field, not tuple.count
    base: str | None  # the stage whose count is this stage's denominator
    outside: bool  # base was `none`: not a subset of anything in the funnel
    unit: str = DEFAULT_UNIT
    note: str = ""
    line: int | None = None
    rounding: int | None = None


class Programme(Record):
    name: str | None
    stages: tuple[Stage, ...]
    _index: dict[str, Stage] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({s.name: s for s in self.stages})

    def stage(self, name: str) -> Stage:
        return self._index[name]

    def has_stage(self, name: str) -> bool:
        return name in self._index

    @property
    def first(self) -> Stage:
        return self.stages[0]

    def ancestors(self, name: str) -> list[str]:
        """The chain of bases above `name`, nearest first (nesting is transitive)."""
        chain = []
        base = self._index[name].base
        while base is not None:
            chain.append(base)
            base = self._index[base].base
        return chain

    def is_subset(self, part: str, whole: str) -> bool:
        """Is every unit counted in `part` also counted in `whole`?"""
        return part == whole or whole in self.ancestors(part)

    def same_unit(self, a: str, b: str) -> bool:
        return self._index[a].unit == self._index[b].unit


class Funnel(NamedTuple):
    programmes: tuple[Programme, ...]
    source: str | None = None
    periods: bool = False  # declared (a `period` column): the programmes are times, in file order if unreadable


def _clean(value: str | None) -> str:
    return (value or "").strip()


def build_funnel(
    records: list[StageRecord],
    *,
    source: str | None = None,
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED,
    dash: str | Missing = "unavailable",
) -> Funnel:
    """Validate records and build the funnel, or raise InputError listing every problem.

    `dash` is what a lone `-` count means: "unavailable" (default) or "zero", or a `Missing`
    naming the not-available and zero tokens (`parse_count`).
    """
    problems: list[Problem] = []

    def problem(message: str, rec: StageRecord | None, column: str | None = None) -> None:
        problems.append(Problem(message, source, rec.line if rec else None, column))

    if not records:
        raise InputError([Problem("there are no stages: the file has a header but no data rows", source)])

    groups: dict[str | None, list[StageRecord]] = {}
    for rec in records:
        groups.setdefault(_clean(rec.programme) or None, []).append(rec)

    programmes = []
    for name, recs in groups.items():
        stages: list[Stage] = []
        seen: dict[str, StageRecord] = {}
        seen_lower: dict[str, StageRecord] = {}  # one look-up per stage: the check stays linear
        for rec in recs:
            stage_name = _clean(rec.stage)
            if not stage_name:
                problem("the stage name is empty", rec, "stage")
                continue
            first = seen_lower.get(stage_name.lower())
            if first is not None:
                where = f" (first on line {first.line})" if first.line else ""
                problem(f"stage '{stage_name}' appears twice{where}", rec, "stage")
                continue
            seen[stage_name] = rec
            seen_lower[stage_name.lower()] = rec
            try:
                rounding = parse_rounding(rec.rounding)
            except ValueError as exc:
                problem(str(exc), rec, "rounding")
                rounding = None
            try:
                if isinstance(rec.count, Count):
                    count = rec.count
                else:
                    count = parse_count(rec.count, rounding, suppressed, dash)
            except ValueError as exc:
                problem(str(exc), rec, "count")
                count = Count(0, 0, "invalid", str(rec.count))
            base_text = _clean(rec.base)
            outside = base_text.lower() == OUTSIDE
            if outside:
                base = None
            elif base_text:
                base = base_text
            else:  # default: the previous stage in file order
                base = stages[-1].name if stages else None
            stages.append(
                Stage(
                    name=stage_name,
                    count=count,
                    base=base,
                    outside=outside,
                    unit=_clean(rec.unit) or DEFAULT_UNIT,
                    note=_clean(rec.note),
                    line=rec.line,
                    rounding=rounding,
                )
            )
        _check_bases(stages, seen, problem)
        programmes.append(Programme(name, tuple(stages)))

    if problems:
        raise InputError(problems)
    return Funnel(tuple(programmes), source)


def _check_bases(stages: list[Stage], records: dict[str, StageRecord], problem: Callable[..., None]) -> None:
    by_name = {s.name: s for s in stages}
    lower = {s.name.lower(): s.name for s in stages}
    for s in stages:
        rec = records[s.name]
        if s.base is None:
            continue
        if s.base not in by_name:
            hint = f" (did you mean '{lower[s.base.lower()]}'?)" if s.base.lower() in lower else ""
            known = ", ".join(f"'{n}'" for n in list(by_name)[:20]) + (", ..." if len(by_name) > 20 else "")
            problem(f"base '{s.base}' is not a stage of this programme{hint}; stages are {known}", rec, "base")
            continue
        if s.base == s.name:
            problem(f"stage '{s.name}' cannot be its own base", rec, "base")
            continue
    # circular bases: follow each chain once (a stage already judged ends the walk); a repeat means a cycle
    in_cycle: set[str] = set()
    done: set[str] = set()
    for s in stages:
        chain, position, node = [s.name], {s.name: 0}, s.base
        while node is not None and node in by_name and node not in position and node not in done:
            position[node] = len(chain)
            chain.append(node)
            node = by_name[node].base
        if node is not None and node in position:
            cycle = chain[position[node] :]
            in_cycle.update(cycle)
            if len(cycle) > 1:
                problem(
                    "circular bases: "
                    + " → ".join(f"'{n}'" for n in cycle + [node])
                    + "; a stage must be a subset of a stage above it",
                    records[s.name],
                    "base",
                )
        done.update(chain)
    # a count above its base's (same unit only: 156 contacts may exceed people visited)
    for s in stages:
        if s.base is None or s.base not in by_name or s.count.kind == "invalid" or s.name in in_cycle:
            continue
        base = by_name[s.base]
        if base.count.kind == "invalid" or base.unit != s.unit:
            continue
        if base.count.high is not None and s.count.low > base.count.high:
            problem(
                f"count {s.count} is larger than its base '{base.name}' ({base.count}); "
                "a stage must be a subset of its base, or set its base to 'none'",
                records[s.name],
                "count",
            )
