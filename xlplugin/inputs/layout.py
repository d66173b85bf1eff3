"""From a table of text to a funnel, whatever shape the publisher gave it.

Tables arrive in three shapes: one row per stage (the funnel CSV), **wide** (one column per
programme or period: `stage,2019/20,2020/21`) and **long** (`year,stage,count`, one row per
programme and stage, with other columns beside). Headers use the publisher's words (`Number`,
`Measure`, `Year`), and some tables give only percentages of a stated base. This module decides
which column plays which role, says so (`Layout.notes`), refuses a header it cannot decide with
the candidates named, and builds the funnel, every message naming the line and column (or the
workbook cell) of the value at fault.
"""

from __future__ import annotations

from xlplugin.core.counts import (
    DEFAULT_SUPPRESSED,
    FROM_PERCENTAGE,
    Count,
    Missing,
    parse_count,
    percentage_interval,
)
from xlplugin.core.errors import InputError, Problem
from xlplugin.core.funnel import OUTSIDE, Funnel, Programme, StageRecord, build_funnel
from xlplugin.core.record import NamedTuple, Record, field
from xlplugin.ooxml.cellref import column_letters

ONE_ROW_PER_STAGE = "one-row-per-stage"
WIDE = "wide"
LONG = "long"
LAYOUTS = (ONE_ROW_PER_STAGE, WIDE, LONG)

#: The words a header uses for each role; the first is the funnel CSV's own name (README table).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "stage": ("stage", "measure", "category", "description"),
    "count": ("count", "number", "n", "total", "value", "people", "individuals"),
    "percent": ("percent", "percentage", "%", "per cent", "rate"),
    "base": ("base", "of", "denominator"),
    "programme": ("programme", "program", "year", "period", "area", "force"),
    "unit": ("unit", "units"),
    "rounding": ("rounding",),
    "note": ("note", "notes"),
}
_ROLE_OF = {word: role for role, words in SYNONYMS.items() for word in words}
#: Roles that are not values in a wide table (every other column there is a programme).
_WIDE_FIXED = ("stage", "base", "unit", "rounding", "note")


class LayoutOptions(Record):
    """What the user said on the command line: `--layout`, `--programme-column`, `--dash`,
    `--not-available`, `--zero` (comma-separated tokens; None: the default, `core.counts.Missing`)."""

    layout: str | None = None
    programme_column: str | None = None
    dash: str = "unavailable"
    not_available: str | None = None
    zero: str | None = None

    @staticmethod
    def tokens_of(missing: Missing) -> dict[str, str]:
        """The `not_available` and `zero` fields that stand for `missing` (a report's recorded reading)."""
        return {"not_available": ",".join(sorted(missing.not_available)), "zero": ",".join(sorted(missing.zero))}

    def missing(self) -> Missing:
        """The tokens that mean not available or zero; InputError naming the option at fault."""
        try:
            return Missing.parse(self.not_available, self.zero, self.dash)
        except ValueError as exc:
            option = "--zero" if "zero tokens" in str(exc) else "--dash" if "dash" in str(exc) else "--not-available"
            raise InputError(Problem(str(exc), column=option)) from None


class Disagreement(NamedTuple):
    """A published count that its published percentage does not allow (a GRIM-style check).

    `where` locates the count cell (line and column, or `Sheet1!B7`); `low`/`high` are the counts
    the percentage allows (`high` None when unbounded). The count is the one used."""

    where: Problem
    stage: str
    programme: str | None
    count: str  # type: ignore[assignment]  # the field, not tuple.count
    percent: str
    base: str
    base_count: str
    low: int
    high: int | None

    def as_json(self) -> dict:
        """The `disagreements` entry of `rates --json` (README, JSON interface)."""
        where = {key: getattr(self.where, key) for key in ("file", "line", "column", "cell")}
        said = {key: getattr(self, key) for key in ("programme", "stage", "count", "percent", "base", "base_count")}
        return {**where, **said, "allowed_low": self.low, "allowed_high": self.high, "message": self.where.message}


class Layout(Record, frozen=False):
    """The funnel, the layout detected, and what a user should be told (roles taken, disagreements)."""

    funnel: Funnel
    layout: str
    roles: dict[str, str]  # role -> header as spelled
    notes: list[str] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)


def _key(header: str) -> str:
    return " ".join(header.strip().lower().split())


class _Where:
    """Locates a value of the table for messages: line and column, or `Sheet1!B7` in a workbook."""

    def __init__(self, table) -> None:
        self.table = table
        self.sheet = getattr(table, "sheet", None)
        self.first = getattr(table, "first_column", 0)

    def problem(self, message: str, line: int | None, position: int | None) -> Problem:
        t = self.table
        if self.sheet is not None:
            if line is None:
                return Problem(message, t.name, cell=self.sheet)
            from xlplugin.inputs.xlsxinput import cell_name, sheet_ref

            if position is None:
                return Problem(message, t.name, cell=f"{sheet_ref(self.sheet)}, row {line}")
            return Problem(message, t.name, cell=cell_name(self.sheet, line, self.first + position + 1))
        column = None
        if position is not None:
            column = (
                t.header[position] if position < len(t.header) and t.header[position] else column_letters(position + 1)
            )
        return Problem(message, t.name, line, column)


def assign_roles(table, options: LayoutOptions) -> tuple[dict[str, int], list[Problem]]:
    """Role -> column position from the header's words. Two columns for one role: refused, naming both."""
    where = _Where(table)
    candidates: dict[str, list[int]] = {}
    for i, raw in enumerate(table.header):
        role = _ROLE_OF.get(_key(raw))
        if role is not None:
            candidates.setdefault(role, []).append(i)
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    if options.programme_column is not None:
        wanted = _key(options.programme_column)
        chosen = [i for i, h in enumerate(table.header) if _key(h) == wanted]
        if not chosen:
            columns = ", ".join(f"'{h}'" for h in table.header if h) or "none"
            problems.append(
                Problem(
                    f"there is no column '{options.programme_column}'; columns found: {columns}",
                    table.name,
                    column="--programme-column",
                )
            )
        else:
            positions["programme"] = chosen[0]
            for role in list(candidates):
                candidates[role] = [i for i in candidates[role] if i != chosen[0]]
            candidates.pop("programme", None)
    for role, indexes in candidates.items():
        if not indexes:
            continue
        if len(indexes) == 1:
            positions[role] = indexes[0]
            continue
        canonical = [i for i in indexes if _key(table.header[i]) == role or _key(table.header[i]) == SYNONYMS[role][0]]
        if len(canonical) == 1:
            positions[role] = canonical[0]  # the funnel CSV's own name wins over a synonym
            continue
        names = " and ".join(f"'{table.header[i]}' ({column_letters(where.first + i + 1)})" for i in indexes)
        hint = " (choose one with --programme-column NAME)" if role == "programme" else "; rename or delete the others"
        problems.append(
            where.problem(
                f"the header is ambiguous: {names} could each be the {role} column{hint}", table.header_line, indexes[1]
            )
        )
    return positions, problems


def read_layout(
    table, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED, options: LayoutOptions | None = None
) -> Layout:
    """Build the funnel from `table` in whichever layout it is; InputError listing every problem."""
    options = options or LayoutOptions()
    where = _Where(table)
    if options.layout is not None and options.layout not in LAYOUTS:
        raise InputError(Problem(f"layout '{options.layout}' is not one of {', '.join(LAYOUTS)}", column="--layout"))
    missing = options.missing()
    positions, problems = assign_roles(table, options)
    if problems:
        raise InputError(problems)
    layout = options.layout
    if layout is None:
        if "count" in positions or "percent" in positions:
            layout = LONG if "programme" in positions else ONE_ROW_PER_STAGE
        elif "stage" in positions and _looks_wide(table, positions):
            layout = WIDE
        else:
            layout = ONE_ROW_PER_STAGE
    if layout == ONE_ROW_PER_STAGE and options.layout is not None:
        positions.pop("programme", None)
    if "stage" not in positions or (layout != WIDE and "count" not in positions and "percent" not in positions):
        raise InputError(_missing_columns(table, positions, where))
    if layout == LONG and "programme" not in positions:
        found = ", ".join(f"'{h}'" for h in table.header if h) or "none"
        raise InputError(
            where.problem(
                "a long table needs a programme column (programme, year, period, area or force, or "
                f"--programme-column NAME); columns found: {found}",
                table.header_line,
                None,
            )
        )
    roles = {role: table.header[i] for role, i in positions.items()}
    notes: list[str] = []
    fixed = {positions[r] for r in _WIDE_FIXED if r in positions}
    values = [i for i in range(len(table.header)) if i not in fixed] if layout == WIDE else []
    if layout == WIDE and not values:
        raise InputError(_missing_columns(table, positions, where))
    refuse_over_limits(table, positions, len(values) if layout == WIDE else None)
    if layout == WIDE:
        groups = _wide_records(table, positions, values)
        said = ", ".join(f"'{table.header[i] or column_letters(where.first + i + 1)}'" for i in values)
        notes.append(f"layout: wide (each of {said} is a programme; stages from '{roles['stage']}')")
    else:
        groups = _row_records(table, positions)
        taken = ", ".join(
            f"'{h}' as {r}"
            for r, h in roles.items()
            if _key(h) != r and not (r == "programme" and _key(h) == "program")
        )
        notes.append(f"layout: {layout}" + (f" (columns taken: {taken})" if taken else ""))
    funnel_problems: list[Problem] = []
    programmes: list[Programme] = []
    disagreements: list[Disagreement] = []
    for _name, recs, count_position in groups:
        recs, disagreed, percent_problems = _resolve_percentages(
            recs, positions, count_position, suppressed, missing, where
        )
        disagreements.extend(disagreed)
        notes.extend(f"disagreement: {d.where}" for d in disagreed)
        funnel_problems.extend(percent_problems)
        try:
            built = build_funnel(recs, source=table.name, suppressed=suppressed, dash=missing)
        except InputError as exc:
            spots = {
                "count": count_position,
                **{r: positions.get(r) for r in ("stage", "base", "unit", "rounding", "note")},
            }
            for p in exc.problems:
                if p.line is None and p.column is None:
                    funnel_problems.append(p if p.file else Problem(p.message, table.name))
                else:
                    funnel_problems.append(where.problem(p.message, p.line, spots.get(p.column or "")))
            continue
        programmes.extend(built.programmes)
    if funnel_problems:
        raise InputError(funnel_problems)
    # a programme column headed 'period' or 'year' declares its values times (core.periods)
    periods = layout != WIDE and _key(roles.get("programme", "")) in ("period", "year")
    return Layout(Funnel(tuple(programmes), table.name, periods=periods), layout, roles, notes, disagreements)


_UNSET = object()

#: Most stage pairs (each stage against itself and every earlier stage of its programme, summed
#: over programmes). The report tabulates rates over such pairs, so its size grows with the
#: square of a programme's stages: a 30 KB CSV of one 1,000-stage chain made `report` run for
#: three minutes and exhaust 2.5 GB. 100,000 allows a 400-stage funnel, or 16,000 areas of
#: 3 stages (about half a minute and under 1 GB for the report); real funnels have dozens.
MAX_STAGE_PAIRS = 100_000


def refuse_over_limits(table, positions: dict[str, int], wide_columns: int | None) -> None:
    """The row and stage-pair limits, judged on the table's text before any funnel is built.

    A stage is counted as the funnel would count it: a distinct non-empty name (case-insensitive)
    within its programme. `wide_columns` is the number of programme columns of a wide table (each
    has every row's stage), None for the other layouts (the programme column, if any, groups rows).
    One pass over the rows, so a 32,000-stage file is refused in the time it takes to read it.
    """
    from xlplugin.inputs.csvinput import MAX_ROWS

    if len(table.rows) > MAX_ROWS:
        raise InputError(
            Problem(f"the table has {len(table.rows):,} data rows, more than the limit of {MAX_ROWS:,}", table.name)
        )
    stage = positions.get("stage")
    if stage is None:
        return
    programme = positions.get("programme") if wide_columns is None else None
    names: dict[str | None, set[str]] = {}
    for row in table.rows:
        name = row[stage].strip().lower()
        if name:
            group = (row[programme].strip() or None) if programme is not None else None
            names.setdefault(group, set()).add(name)
    sizes = [len(s) for s in names.values()] * (wide_columns if wide_columns is not None else 1)
    pairs = sum(k * (k + 1) // 2 for k in sizes)
    if pairs > MAX_STAGE_PAIRS:
        raise InputError(
            Problem(
                f"the funnel is too large to report: {len(sizes):,} programme(s) of up to {max(sizes):,} stages make "
                f"{pairs:,} stage pairs (each stage with every earlier one), over the limit of {MAX_STAGE_PAIRS:,} "
                "(e.g. 400 stages in one programme, or 16,000 programmes of 3 stages); a funnel has dozens of stages",
                table.name,
            )
        )


def _looks_wide(table, positions: dict[str, int]) -> bool:
    """Years or periods as columns: some other column's header has a digit, and none is a misspelt 'count'."""
    import difflib

    taken = set(positions.values())
    others = [_key(h) for i, h in enumerate(table.header) if i not in taken and h.strip()]
    if any(difflib.get_close_matches(h, ["count", "number"], n=1, cutoff=0.75) for h in others):
        return False
    return any(any(c.isdigit() for c in h) for h in others)


def _missing_columns(table, positions: dict[str, int], where: _Where) -> list[Problem]:
    found = ", ".join(f"'{h}'" for h in table.header if h) or "none"
    out = []
    for role in ("stage", "count"):
        if role in positions or (role == "count" and "percent" in positions):
            continue
        import difflib  # only for this message: reading a good file should not pay for it

        near = difflib.get_close_matches(role, [h.lower() for h in table.header if h], n=1, cutoff=0.6)
        hint = f" (is '{near[0]}' meant to be '{role}'?)" if near else ""
        words = ", ".join(SYNONYMS[role][1:])
        out.append(
            Problem(
                f"the header has no '{role}' column{hint}; columns found: {found}. "
                "The first line must name the columns, at least: stage,count (or stage and one column per year; "
                f"the {role} column may also be called {words})",
                table.name,
                table.header_line,
                role,
                where.problem("", table.header_line, None).cell if where.sheet is not None else None,
            )
        )
    return out


def _getter(positions: dict[str, int], role: str):
    i = positions.get(role)
    return (lambda row: row[i].strip()) if i is not None else (lambda row: None)


def _row_records(table, positions: dict[str, int]) -> list[tuple[object, list[StageRecord], int | None]]:
    from xlplugin.inputs.csvinput import localise_count

    stage, count, base, unit, rounding, programme, note = (
        _getter(positions, k) for k in ("stage", "count", "base", "unit", "rounding", "programme", "note")
    )
    delimiter = getattr(table, "delimiter", ",")
    records = [
        StageRecord(
            stage=stage(row),
            count=(localise_count(count(row), delimiter) or "") if "count" in positions else "",
            base=base(row),
            unit=unit(row),
            rounding=rounding(row),
            programme=programme(row),
            note=note(row),
            line=line,
        )
        for row, line in zip(table.rows, table.lines, strict=True)
    ]
    return [(_UNSET, records, positions.get("count"))]


def _wide_records(
    table, positions: dict[str, int], values: list[int]
) -> list[tuple[object, list[StageRecord], int | None]]:
    stage, base, unit, rounding, note = (_getter(positions, k) for k in ("stage", "base", "unit", "rounding", "note"))
    groups: list[tuple[object, list[StageRecord], int | None]] = []
    for i in values:
        name = table.header[i] or column_letters(getattr(table, "first_column", 0) + i + 1)
        records = [
            StageRecord(
                stage=stage(row),
                count=row[i].strip(),
                base=base(row),
                unit=unit(row),
                rounding=rounding(row),
                programme=name,
                note=note(row),
                line=line,
            )
            for row, line in zip(table.rows, table.lines, strict=True)
        ]
        groups.append((name, records, i))
    return groups


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _percent_text(text: str, proportions: bool) -> str:
    """A cell of a percent/rate column as a percentage: `42%`, `42`; `0.42` when the column holds proportions."""
    t = text.strip()
    if t.endswith("%") or not proportions:
        return t
    from decimal import Decimal, InvalidOperation

    try:
        return format(Decimal(t) * 100, "f").rstrip("0").rstrip(".") if "." in t else str(int(t) * 100)
    except (InvalidOperation, ValueError):
        return t


def _resolve_percentages(
    records: list[StageRecord],
    positions: dict[str, int],
    count_position: int | None,
    suppressed: tuple[int, int],
    missing: Missing,
    where: _Where,
) -> tuple[list[StageRecord], list[Disagreement], list[Problem]]:
    """Counts from a percent column where the count is blank; a GRIM-style check where both are given.

    The percentage is of the stage's base (default the previous stage): its count interval is every
    whole number consistent with the percentage at its stated precision (`percentage_interval`).
    A count cell written as a percentage (`42%`: a wide table's cells below a row of counts) is
    read the same way, in its own column (programme).
    """
    i = positions.get("percent")
    in_count = {rec.line for rec in records if isinstance(rec.count, str) and rec.count.strip().endswith("%")}
    if i is None and not in_count:
        return records, [], []
    table = where.table
    rows_by_line = dict(zip(table.lines, table.rows, strict=True))
    texts = {}
    if i is not None:
        texts = {rec.line: rows_by_line[rec.line][i].strip() for rec in records if rec.line in rows_by_line}
    numbers = [t for t in texts.values() if t and not t.endswith("%")]
    try:
        proportions = bool(numbers) and all(float(t) <= 1 for t in numbers)
    except ValueError:
        proportions = False
    counts: dict[tuple[object, str], Count] = {}
    previous: dict[object, str] = {}
    found: list[Disagreement] = []
    problems: list[Problem] = []
    out: list[StageRecord] = []
    for rec in records:
        group = (rec.programme or "").strip() or None
        name = (rec.stage or "").strip()
        base_text = (rec.base or "").strip()
        base_name = None if base_text.lower() == OUTSIDE else (base_text or previous.get(group))
        previous[group] = name
        percent, spot = texts.get(rec.line, ""), i
        if rec.line in in_count and isinstance(rec.count, str):
            percent, spot = rec.count.strip(), count_position
            rec = rec._replace(count="")
        given = None
        if isinstance(rec.count, Count):
            given = rec.count
        elif not _is_blank(rec.count):
            try:
                given = rec.count if isinstance(rec.count, Count) else parse_count(rec.count, None, suppressed, missing)
            except ValueError:
                given = None  # build_funnel reports it, located
        if given is not None:
            counts[(group, name)] = given
        if not percent:
            out.append(rec)
            continue
        base = counts.get((group, base_name)) if base_name else None
        if base is None:
            if given is None:
                why = "it has no base stage" if not base_name else f"its base '{base_name}' has no count above it"
                problems.append(
                    where.problem(f"a percentage needs a count to be a percentage of, and {why}", rec.line, spot)
                )
            out.append(rec)
            continue
        try:
            low, high = percentage_interval(_percent_text(percent, proportions), base.low, base.high)
        except ValueError as exc:
            problems.append(where.problem(str(exc), rec.line, spot))
            out.append(rec)
            continue
        shown = percent if percent.endswith("%") else _percent_text(percent, proportions) + "%"
        if given is None:
            derived = Count(low, high, FROM_PERCENTAGE, f"{shown} of {base}")
            counts[(group, name)] = derived
            out.append(
                StageRecord(rec.stage, derived, rec.base, rec.unit, rec.rounding, rec.programme, rec.note, rec.line)
            )
            continue
        out.append(rec)
        if given.high is not None and (given.high < low or (high is not None and given.low > high)):
            allowed = f"{low:,} to {high:,}" if high is not None else f"at least {low:,}"
            message = (
                f"the count {given} and the percentage {shown} of {base_name} ({base}) disagree: "
                f"{shown} of {base} is {allowed}"
            )
            located = where.problem(message, rec.line, count_position)
            found.append(Disagreement(located, name, group, str(given), shown, base_name or "", str(base), low, high))
    return out, found, problems
