"""The sheets around the figures: cover, contents, notes, and the data as given with its provenance."""

from __future__ import annotations

import datetime as dt

from xlplugin.core.counts import (
    CONFIDENTIAL_SYMBOL,
    NOT_APPLICABLE_SYMBOL,
    NOT_AVAILABLE_SYMBOL,
    SHORTHAND_MEANINGS,
    shorthand_key,
)
from xlplugin.core.funnel import Programme
from xlplugin.core.intervals import method_label
from xlplugin.core.periods import parse_period, period_programmes
from xlplugin.core.retitle import Retitled
from xlplugin.ooxml.cellref import quote_sheet
from xlplugin.report import ownership
from xlplugin.report.common import (
    SHORTHAND,
    Context,
    column_widths,
    conf_text,
    count_text,
    date_text,
    lower_first,
    shorthand,
    split_long,
    table_sheet,
    unique_headers,
)
from xlplugin.report.model import COUNT, HEADING2, TEXT, WRAP, Cell, Line, Note, Sheet, Table

# ------------------------------------------------------------------------------------------
# data, notes, contents, cover


#: Added to the header of a column of numbers on the data sheet when the input states no units.
ADDED_UNIT = " (number)"


def input_from_data_table(header: list[str], rows: list[list]) -> tuple[list[str], list[list[str]]]:
    """The input CSV's header and rows again, from the data sheet's table (for `refresh`).

    Undoes what `data_sheet` changed: the '(number)' added to headers, numbers stored as
    numbers, and empty input cells shown as [z]. (Columns left out because they were empty
    stay out: they held nothing.)
    """

    def text(value) -> str:
        if value is None or value == NOT_APPLICABLE_SYMBOL:
            return ""
        if isinstance(value, float):
            return str(int(value)) if value == int(value) else repr(value)
        return str(value)

    names = [h[: -len(ADDED_UNIT)] if h.endswith(ADDED_UNIT) else h for h in map(text, header)]
    return names, [[text(v) for v in row] for row in rows]


def data_sheet(ctx: Context) -> Sheet:
    src = ctx.source
    o = ctx.options
    keep = [j for j in range(len(src.header)) if any((r[j] if j < len(r) else "").strip() for r in src.rows)]
    dropped = [src.header[j] or f"column {j + 1}" for j in range(len(src.header)) if j not in keep]
    lines = [
        Line(f"Source file: {src.name}"),
        Line(f"SHA-256 of the source file: {src.sha256}"),
        Line(f"Generated: {o.generated.isoformat()}"),
        Line(f"Made by: xlplugin {o.version}"),
    ]
    if src.derived:  # the table was counted from the source file (case records): say how
        lines += [Line(text) for text in src.derived]
    else:
        lines.append(
            Line("The table is the input file as given, one row per line; whole numbers are stored as numbers.")
        )
    if dropped:
        lines.append(Line("Left out because every cell is empty in the input: " + ", ".join(dropped) + "."))
    rows = []
    any_empty = False
    for r in src.rows:
        cells = []
        for j in keep:
            text = r[j] if j < len(r) else ""
            if not text.strip():
                any_empty = True
                cells.append(shorthand(NOT_APPLICABLE_SYMBOL))
                continue
            number = plain_int(text)
            cells.append(Cell(number, COUNT) if number is not None else Cell(text, TEXT))
        rows.append(tuple(cells))
    if any_empty:
        lines.append(
            Line(
                f"{NOT_APPLICABLE_SYMBOL} = empty in the input file (an empty base means the previous stage; "
                "an empty note means no note)"
            )
        )
    given = {c.value.strip().lower() for r in rows for c in r if isinstance(c.value, str) and c.kind == TEXT}
    for key in (CONFIDENTIAL_SYMBOL, NOT_AVAILABLE_SYMBOL):
        if key in given:
            lines.append(Line(SHORTHAND[key] + " (as written in the input file)"))
    if not rows:
        rows = [tuple(shorthand(NOT_APPLICABLE_SYMBOL) for _ in keep)]
    # Units in headers: a 'unit' column states them row by row; without one, numeric columns
    # get '(number)' (the only change to the input's own headers).
    has_unit_column = any(src.header[j].strip().lower() in ("unit", "units") for j in keep)
    numeric = [any(r[i].is_number for r in rows) and not has_unit_column for i in range(len(keep))]
    if any(n and "(" not in src.header[j] for n, j in zip(numeric, keep, strict=False)):
        lines.append(Line("Column headers are the input's own, with '(number)' added to columns of numbers."))
    lines = split_long(lines)
    top = 2 + len(lines)
    headers = unique_headers(
        [
            src.header[j] + (ADDED_UNIT if n and "(" not in src.header[j] else "")
            for n, j in zip(numeric, keep, strict=False)
        ]
    )
    widths = column_widths(headers, rows, maximum=40)
    return Sheet(
        key="data",
        name="Data",
        title="Data: the input as given, with its provenance",
        description=(
            "The figures this workbook was made from, with the file's name, SHA-256 checksum and when it was used."
        ),
        lines=tuple(lines),
        table=Table(ownership.TABLE_NAMES["data"], headers, tuple(rows), top, 0, widths),
        landscape=len(headers) > 5,
    )


def plain_int(text: str) -> int | None:
    t = text.strip()
    digits = t.replace(",", "")
    if not digits.isdigit() or not digits.isascii() or len(digits) > 15:
        return None
    if "," in t:
        groups = t.split(",")
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return None
    if len(digits) > 1 and digits.startswith("0"):
        return None
    return int(digits)


def notes_sheet(notes: tuple[Note, ...]) -> Sheet:
    rows = tuple((Cell(n.marker, TEXT), Cell(n.text, WRAP)) for n in notes)
    if not rows:
        rows = ((Cell("[note 1]", TEXT), Cell("This workbook has no notes.", WRAP)),)
    lines = [Line("Each note is referred to from at least one table or line of text in this workbook.")]
    lines += [Line(SHORTHAND[k]) for k in SHORTHAND_MEANINGS if any(k in n.text for n in notes)]
    about = "The notes referred to in the tables and text of this workbook by markers such as [note 1]."
    return table_sheet(
        "notes", "Notes", "Notes", about, split_long(lines), ("Note number", "Note text"), rows, (14, 110)
    )


def contents_sheet(sheets: list[Sheet]) -> Sheet:
    rows = []
    for s in sheets:
        rows.append((Cell(s.name, TEXT, link=f"#{quote_sheet(s.name)}!A1"), Cell(s.description, WRAP)))
    top = 3
    return Sheet(
        key="contents",
        name="Contents",
        title="Contents",
        description="Every sheet in this workbook, with a link to it and what it shows.",
        lines=(Line("Select a sheet name to go to that sheet."),),
        table=Table(ownership.TABLE_NAMES["contents"], ("Sheet name", "What it shows"), tuple(rows), top, 0, (22, 110)),
        landscape=True,
    )


def cover_sheet(ctx: Context, title: str, retitled: Retitled | None = None) -> Sheet:
    spec = ctx.spec
    o = ctx.options
    lines: list[Line] = []

    def get(key):
        return getattr(spec, key, None) if spec is not None else None

    lines.append(Line("About these figures", HEADING2))
    if get("publisher"):
        lines.append(Line(f"Publisher: {get('publisher')}"))
    if get("published"):
        published = get("published")
        lines.append(Line(f"Published: {date_text(published) if isinstance(published, dt.date) else published}"))
    if get("foi_reference"):
        lines.append(Line(f"Freedom of Information reference: {get('foi_reference')}"))
    if get("next_update"):
        lines.append(Line(f"Next update: {get('next_update')}"))
    lines += figures_lines(ctx)
    lines.append(Line(f"Data: {ctx.source.name} (see the Data sheet for its checksum)"))
    if spec is not None and getattr(spec, "data", None) is None:  # a refresh from a CSV kept the recorded spec
        lines.append(
            Line(
                "The title, publisher, dates and claims were given for the figures first published; the figures "
                f"are now those of {ctx.source.name}."
            )
        )
    if retitled is not None and retitled.replaced:
        changes = ", ".join(f"{a} to {b}" for a, b in retitled.replaced)
        lines.append(Line(f"Title updated by the refresh to the period the data state ({changes})."))
    if retitled is not None and retitled.stale:
        lines.append(
            Line(
                f"The title names {' and '.join(retitled.stale)}, which these figures may not cover: refresh "
                "with a spec (xlplugin refresh BOOK SPEC.toml) to give the title for them."
            )
        )
    lines.append(Line(f"Workbook generated: {o.generated:%Y-%m-%d %H:%M} UTC by xlplugin {o.version}"))
    if get("source_url"):
        lines.append(Line("Source", HEADING2))
        lines.append(Line(get("source_name") or "The published source of these figures", link=get("source_url")))
    if get("contact"):
        lines.append(Line("Contact", HEADING2))
        lines.append(Line(str(get("contact"))))
    lines.append(Line("How to read the rates", HEADING2))
    conf = conf_text(o.confidence)
    lines += [
        Line(
            "Every rate names its numerator and its denominator"
            + (f", for example '{example}'." if (example := worked_example(ctx)) else ".")
        ),
        Line("Rate of base: a stage's count divided by the count of the stage it is a subset of (its base)."),
        Line("Rate of first stage: a stage's count divided by the count of the first stage."),
        Line(
            f"Each rate has a {conf} confidence interval ({method_label(o.method)} method), "
            "in separate lower and upper columns."
        ),
        Line(
            "The Denominators sheet shows the same numerator against every possible denominator, and says where a "
            "numerator is not a subset of the denominator or counts different units."
        ),
        Line(
            f"{CONFIDENTIAL_SYMBOL} = suppressed ({SHORTHAND_MEANINGS[CONFIDENTIAL_SYMBOL]}), "
            + ", ".join(shorthand_key(k) for k in (NOT_AVAILABLE_SYMBOL, NOT_APPLICABLE_SYMBOL))
            + "; [note N] refers to the Notes sheet."
        ),
    ]
    if o.publish:
        lines.append(Line("This workbook holds values only (no formulas), as recommended for publication."))
    else:
        lines.append(
            Line("Rates in the tables are Excel formulas over the counts, so you can see and check each division.")
        )
    summary = get("summary") or auto_summary(ctx)
    return Sheet(key="cover", name="Cover", title=title, description=summary, lines=tuple(lines), first_col_width=88)


def _example_stage(p: Programme):
    """The stage the cover's example divides: the last in the funnel, of the first stage's units, with a base."""
    for s in reversed(p.stages):
        if s.outside or s.base is None or s.unit != p.first.unit:
            continue
        base = p.stage(s.base)
        if s.count.is_exact and base.count.is_exact and base.unit == s.unit:
            return s, base
    return None


def _latest(ctx: Context) -> tuple[Programme, list[Programme] | None]:
    """The programme the cover quotes (the latest period, or the first programme) and the periods, if any."""
    periods = period_programmes(ctx.funnel, ctx.options.periods)
    return (periods[-1] if periods else ctx.funnel.programmes[0]), periods


def worked_example(ctx: Context) -> str | None:
    """The cover's example of a stated rate, from the workbook's own figures: "62 of 669 visited"."""
    p, _periods = _latest(ctx)
    found = _example_stage(p)
    if found is None:
        return None
    s, base = found
    where = f" ({p.name})" if ctx.several and p.name else ""
    return f"{count_text(s.count.low)} of {count_text(base.count.low)} {lower_first(base.name)}{where}"


def figures_lines(ctx: Context) -> list[Line]:
    """What the data say about themselves: the period or programmes covered and the first stage's count."""
    progs = ctx.funnel.programmes
    p, periods = _latest(ctx)
    out = []
    if periods:
        out.append(Line(f"Periods covered: {periods[0].name} to {periods[-1].name} ({len(periods)} periods)"))
    elif len(progs) == 1 and p.name:
        out.append(Line(f"{'Period' if parse_period(p.name) else 'Programme'}: {p.name}"))
    elif len(progs) > 1:
        out.append(Line(f"Programmes: {len(progs)} ({progs[0].name} to {progs[-1].name}, in file order)"))
    first = count_text(p.first.count.low) if p.first.count.is_exact else str(p.first.count)
    where = f" in {p.name}" if ctx.several and p.name else ""
    unit = "unit not stated" if p.first.unit == "not stated" else p.first.unit
    out.append(Line(f"First stage{where}: {first} {lower_first(p.first.name)} ({unit})"))
    return out


def auto_summary(ctx: Context) -> str:
    progs = ctx.funnel.programmes
    if len(progs) == 1:
        p = progs[0]
        first = count_text(p.first.count.low) if p.first.count.is_exact else str(p.first.count)
        return (
            f"Funnel and uptake rates for {len(p.stages)} stages, from {lower_first(p.first.name)} "
            f"({first}) onwards, read from {ctx.source.name}."
        )
    return f"Funnel and uptake rates for {len(progs)} programmes, read from {ctx.source.name}."


def default_title(ctx: Context) -> str:
    stem = ctx.source.name.rsplit(".", 1)[0]
    return f"Funnel and uptake rates: {stem}"
