"""The Excel starter workbooks and the xlwings user configuration for the UPTAKE_* functions.

- :func:`write_starter_xlsx` writes the macro-free ``workbooks/xlplugin-starter.xlsx``: an
  ``xlwings.conf`` sheet (``UDF Modules`` = ``xlplugin.udfs``) and a "Try it" sheet with the Met
  figures and one worked formula per function, each cached with the value xlplugin computes, so
  it reads well in any viewer before Excel recalculates.
- :func:`build_excel_starter` makes the same sheets into a macro workbook on the user's machine,
  starting from the ``quickstart.xlsm`` inside the installed xlwings package, so xlwings' VBA
  project is never committed here: its ``xl/vbaProject.bin`` (and every part we do not change) is
  copied unchanged, and a "Refresh from CSV" button is assigned to the quickstart's own
  ``SampleCall`` macro, which runs ``RunPython "import <workbook name>; <workbook name>.main()"``.
  A small ``<workbook name>.py`` written beside the workbook forwards that call to
  ``xlplugin.excel.refresh_button.main()`` - the quickstart's documented pattern, with no VBA edited.
- :func:`excel_setup` adds ``"UDF Modules","xlplugin.udfs"`` to ``~/.xlwings/xlwings.conf`` for
  the add-in route, keeping every other setting (and any modules already listed).

All text goes in with ``write_string``; nothing from data is ever written as a formula.
"""

from __future__ import annotations

import importlib.util
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from xlplugin.core.counts import NOT_APPLICABLE_SYMBOL, shorthand_key
from xlplugin.core.errors import InputError, Problem

if TYPE_CHECKING:
    from xlplugin.ooxml.package import Package

UDF_MODULE = "xlplugin.udfs"
UDF_MODULES_KEY = "UDF Modules"
REFRESH_HOOK = "import xlplugin.excel.refresh_button; xlplugin.excel.refresh_button.main()"
QUICKSTART_MACRO = "SampleCall"
TRY_SHEET = "Try it"
CONF_SHEET = "xlwings.conf"

#: The founding case (LBC, 17 June 2021): stage, count, base, unit.
MET = [
    ("Identified for a visit", 1000, "", "people"),
    ("Visited", 669, "Identified for a visit", "people"),
    ("Follow-up engagements", 156, "Visited", "contacts"),
    ("Interested in diversion", 62, "Visited", "people"),
    ("Contacted police about diversion", 20, "none", "people"),
]
DATA_HEADER_ROW = 5  # 1-based: header in row 5, the five stages in rows 6-10
FIRST, VISITED, ENGAGED, INTERESTED, CONTACTED = (f"B{r}" for r in range(6, 11))
STAGES, COUNTS, BASES, UNITS = "A6:A10", "B6:B10", "C6:C10", "D6:D10"

PERCENT = "0.0%"


def _examples() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(function, formula, one-line explanation, number format per result column)."""
    p, g = PERCENT, "General"
    return [
        (
            "UPTAKE_RATE",
            f"=UPTAKE_RATE({INTERESTED},{VISITED})",
            '62 interested of 669 visited: the Met\'s "9%" (9.3%).',
            (p,),
        ),
        (
            "UPTAKE_CI",
            f"=UPTAKE_CI({INTERESTED},{VISITED})",
            '95% Wilson interval for 62 of 669; add 0.99 or "exact" for other levels and methods.',
            (p, p),
        ),
        (
            "UPTAKE_CLAIM",
            f'=UPTAKE_CLAIM("9%",{INTERESTED},{VISITED})',
            'Does 62/669 reproduce the claim "9%" at its stated precision?',
            (g,),
        ),
        (
            "UPTAKE_BOUNDS",
            f'=UPTAKE_BOUNDS("<5",{VISITED})',
            "A count published as <5 out of 669: lowest and highest rate, then the interval envelope.",
            (p, p, p, p),
        ),
        (
            "UPTAKE_COMPARE",
            f"=UPTAKE_COMPARE({INTERESTED},{VISITED},{INTERESTED},{FIRST})",
            "62 of 669 against 62 of 1,000: the difference with Newcombe's interval.",
            (p, p, p),
        ),
        (
            "UPTAKE_LIMITS",
            f"=UPTAKE_LIMITS(0.09,{VISITED})",
            "Funnel-plot control limits (95%) around a 9% target for a denominator of 669.",
            (p, p),
        ),
        (
            "UPTAKE_FUNNEL",
            f"=UPTAKE_FUNNEL({STAGES},{COUNTS},{BASES},{UNITS})",
            "The whole funnel: each stage against its base and the first stage. "
            + shorthand_key(NOT_APPLICABLE_SYMBOL, "."),
            (g, g, g, p, p, p, p, g, g, g),
        ),
        (
            "UPTAKE_EXPLAIN",
            f'=UPTAKE_EXPLAIN("12%",{STAGES},{COUNTS},{BASES})',
            'Which definitions give the Met\'s "12%": (62 + 20) of 669 - and the 20 are not among the 669.',
            (g, g, p, g, g),
        ),
    ]


def _evaluate(formula: str):
    """The value our function gives for a worked formula: the cache Excel shows before recalculating."""
    from xlplugin import udfs  # xlwings is only needed here, when building the workbook
    from xlplugin.ooxml.cellref import cell_ref, parse_range

    cells: dict[str, object] = {}
    for r, (stage, count, base, unit) in enumerate(MET, start=6):
        cells[f"A{r}"], cells[f"B{r}"], cells[f"C{r}"], cells[f"D{r}"] = stage, float(count), base or None, unit

    def value(ref: str):
        if ":" in ref:
            r1, c1, r2, _ = parse_range(ref)
            return [[cells[cell_ref(r, c1)]] for r in range(r1, r2 + 1)]
        return cells[ref]

    name, args = re.fullmatch(r"=(\w+)\((.*)\)", formula).groups()
    values = []
    for token in re.findall(r'"[^"]*"|[^,]+', args):
        if token.startswith('"'):
            values.append(token[1:-1])
        elif re.fullmatch(r"[A-Z]+\d+(:[A-Z]+\d+)?", token):
            values.append(value(token))
        else:
            values.append(float(token))
    result = getattr(udfs, name)(*values)
    return result if isinstance(result, list) else [[result]]


# ------------------------------------------------------------------ the sheets (XlsxWriter)


def _write_sheets(path: Path, with_button: bool) -> None:
    """Write the two sheets into a new workbook at `path`, rows in order (inline strings)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    title = wb.add_format({"bold": True, "font_size": 14})
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    formats = {PERCENT: wb.add_format({"num_format": PERCENT}), "General": None}
    mono = wb.add_format({"font_name": "Consolas", "valign": "top"})

    ws = wb.add_worksheet(TRY_SHEET)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 44)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 10, 14)
    cells: dict[tuple[int, int], tuple] = {}
    cells[(0, 0)] = ("s", "Try the xlplugin Excel functions (UPTAKE_*)", title)
    cells[(1, 0)] = (
        "s",
        "The Met Police 2020 visits scheme (FOI figures reported by LBC, 17 June 2021): "
        "1,000 identified, 669 visited, 156 follow-up engagements (contacts, not people), "
        "62 interested; 20 more contacted the police themselves.",
        None,
    )
    cells[(2, 0)] = (
        "s",
        "Set-up: install xlplugin and the xlwings add-in, keep UDF Modules = xlplugin.udfs "
        "(sheet xlwings.conf), then Import Functions. Until Excel recalculates, each formula "
        "shows the value xlplugin computed.",
        None,
    )
    for c, head in enumerate(("stage", "count", "base", "unit")):
        cells[(DATA_HEADER_ROW - 1, c)] = ("s", head, bold)
    for r, (stage, count, base, unit) in enumerate(MET, start=DATA_HEADER_ROW):
        cells[(r, 0)] = ("s", stage, None)
        cells[(r, 1)] = ("n", count, None)
        if base:
            cells[(r, 2)] = ("s", base, None)
        cells[(r, 3)] = ("s", unit, None)
    row = DATA_HEADER_ROW + len(MET) + 1
    for c, head in enumerate(("function", "formula", "what it shows", "result")):
        cells[(row, c)] = ("s", head, bold)
    row += 1
    for name, formula, explanation, col_formats in _examples():
        result = _evaluate(formula)
        cells[(row, 0)] = ("s", name, bold)
        cells[(row, 1)] = ("s", formula, mono)  # shown as text, so every viewer can read it
        cells[(row, 2)] = ("s", explanation, wrap)
        height, width = len(result), len(result[0])
        spill = height > 1 or width > 1
        for r, line in enumerate(result):
            for c, value in enumerate(line):
                fmt = formats[col_formats[c]] if isinstance(value, float) else None
                if r == 0 and c == 0:
                    if spill:
                        cells[(row, 3)] = ("da", formula, fmt, value, row + height - 1, 3 + width - 1)
                    else:
                        cells[(row, 3)] = ("f", formula, fmt, value)
                else:
                    cells[(row + r, 3 + c)] = ("v", value, fmt)
        row += height + 1
    note = (
        "Refresh from CSV: the macro workbook made by `xlplugin excel-starter OUT.xlsm` has a button here "
        'that runs RunPython "' + REFRESH_HOOK + '" (through the xlwings quickstart macro SampleCall '
        "and the OUT.py written beside the workbook)."
    )
    if with_button:
        note = (
            "Refresh from CSV: the button runs the xlwings quickstart macro SampleCall, which calls main() in "
            "the .py file of the same name beside this workbook; that runs " + REFRESH_HOOK + "."
        )
    cells[(row, 0)] = ("s", "Refresh from CSV", bold)
    cells[(row, 2)] = ("s", note, wrap)
    for (r, c), spec in sorted(cells.items()):
        _write_cell(ws, r, c, spec)
    if with_button:
        ws.insert_button(
            row,
            3,
            {
                "macro": QUICKSTART_MACRO,
                "caption": "Refresh from CSV",
                "width": 150,
                "height": 28,
                "description": "Refresh from CSV",
            },
        )
    ws.activate()

    conf = wb.add_worksheet(CONF_SHEET)
    conf.set_column(0, 0, 16)
    conf.set_column(1, 1, 18)
    conf.write_string(0, 0, UDF_MODULES_KEY)
    conf.write_string(0, 1, UDF_MODULE)
    conf.write_string(
        3,
        0,
        "xlwings reads this sheet from A1 down (setting in A, value in B) to the first empty "
        "row; it overrides the add-in and ~/.xlwings/xlwings.conf. Several modules: "
        "separate them with ;",
    )
    wb.close()


def _write_cell(ws, r: int, c: int, spec: tuple) -> None:
    kind = spec[0]
    if kind == "s":
        ws.write_string(r, c, spec[1], spec[2])
    elif kind == "n":
        ws.write_number(r, c, spec[1], spec[2])
    elif kind == "f":
        ws.write_formula(r, c, spec[1], spec[2], spec[3])
    elif kind == "da":
        _, formula, fmt, value, last_row, last_col = spec
        ws.write_dynamic_array_formula(r, c, last_row, last_col, formula, fmt, value)
    else:  # a spilled value beside its formula: what Excel itself stores
        value, fmt = spec[1], spec[2]
        if isinstance(value, bool):
            ws.write_boolean(r, c, value, fmt)
        elif isinstance(value, (int, float)):
            ws.write_number(r, c, value, fmt)
        else:
            ws.write_string(r, c, str(value), fmt)


def write_starter_xlsx(out_xlsx) -> Path:
    """Write the macro-free starter workbook atomically (temp file in the same folder, then replace)."""
    out = Path(out_xlsx)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".xlsx", dir=out.parent)
    os.close(handle)
    try:
        _write_sheets(Path(temp), with_button=False)
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return out


# ------------------------------------------------------------------ the .xlsm from xlwings' quickstart


def quickstart_template() -> Path:
    """xlwings' quickstart.xlsm in the installed package (found without importing xlwings)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.origin:
        raise InputError(Problem('xlwings is not installed: pip install "xlplugin[excel]"'))
    path = Path(spec.origin).parent / "quickstart.xlsm"
    if not path.is_file():
        raise InputError(Problem(f"the installed xlwings has no quickstart.xlsm ({path})"))
    return path


_SIDE_MODULE = '''"""Called by the "Refresh from CSV" button of {workbook}.

The button runs xlwings' quickstart macro SampleCall, which does
RunPython "import {stem}; {stem}.main()" - so this file must keep the workbook's name.
"""

import xlplugin.excel.refresh_button


def main():
    xlplugin.excel.refresh_button.main()
'''


def build_excel_starter(out_xlsm, force: bool = False) -> Path:
    """Build the starter .xlsm from xlwings' quickstart.xlsm (its VBA project copied unchanged).

    Also writes ``<name>.py`` beside it for the button (see the module docstring). Refuses to
    overwrite either file unless `force`. Raises InputError for a bad name or existing files.
    """
    out = Path(out_xlsm)
    if out.suffix.lower() != ".xlsm":
        raise InputError(Problem(f"{out.name}: the starter with a button is a macro workbook; name it .xlsm"))
    if not out.stem.isidentifier():
        raise InputError(
            Problem(
                f"{out.name}: the workbook name must be a Python module name (letters, digits, _; not starting "
                "with a digit), because its button runs a module of the same name, as in xlwings quickstart"
            )
        )
    side = out.with_suffix(".py")
    existing = [p for p in (out, side) if p.exists()]
    if existing and not force:
        raise InputError([Problem(f"{p} already exists; use --force to replace it") for p in existing])
    out.parent.mkdir(parents=True, exist_ok=True)
    from xlplugin.ooxml.package import open_package, write_package

    with tempfile.TemporaryDirectory() as tmp:
        ours_path = Path(tmp) / "sheets.xlsx"
        _write_sheets(ours_path, with_button=True)
        with open_package(quickstart_template()) as template, open_package(ours_path) as ours:
            changes = _merge(template, ours)
            write_package(template, out, changes, force=force)
    _write_text_atomic(side, _SIDE_MODULE.format(workbook=out.name, stem=out.stem))
    return out


def _write_text_atomic(path: Path, text: str) -> None:
    from xlplugin.ooxml.atomic import write_file

    data = text.encode("utf-8")
    write_file(path, lambda handle: handle.write(data), replace=True)


REL_SHEET_METADATA = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
CT_SHEET_METADATA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"


def _merge(template: Package, ours: Package) -> dict[str, bytes | None]:
    """The parts to add to or change in the quickstart package so it also holds our sheets, first.

    Through the package layer (`Book`'s sheet, relationship, content-type and app.xml edits, the
    style merger), so every byte of the quickstart it does not need to change stays as it is.
    """
    from xlplugin.ooxml.book import open_book
    from xlplugin.ooxml.edit import editing
    from xlplugin.ooxml.package import remove_attr, unused_part_name
    from xlplugin.ooxml.styles import StyleMerger, restyle

    book = open_book(template, Path(template.path))
    fresh = open_book(ours, Path(ours.path))
    merger = StyleMerger(book.current(book.styles_part()), ours.read(fresh.styles_part()), book.styles_part())
    theirs = [sheet.part for sheet in book.sheets if sheet.part is not None and sheet.kind == "worksheet"]
    for index, sheet in enumerate(fresh.sheets):
        source = fresh.sheet_part(sheet)
        part, _ = book.add_worksheet(sheet.name, restyle(ours.read(source), merger.map, source), index)
        for rel in ours.rels(source):  # the button's VML drawing
            if rel.external or rel.part is None or not rel.type.endswith("/vmlDrawing"):
                continue
            target = unused_part_name(book.all_part_names(), "xl/drawings/vmlDrawing{}.vml")
            book.put(target, ours.read(rel.part))
            book.add_default("vml", CT_VML)
            if book.add_relationship(part, rel.type, target) != rel.id:  # the sheet XML names it by its id
                raise RuntimeError(f"{source}: relationship {rel.id} could not keep its id")
    if ours.has("xl/metadata.xml") and not template.has("xl/metadata.xml"):  # dynamic-array formulas
        book.put("xl/metadata.xml", ours.read("xl/metadata.xml"))
        book.add_relationship(book.workbook_part, REL_SHEET_METADATA, "xl/metadata.xml")
        book.add_override("xl/metadata.xml", CT_SHEET_METADATA)
    styles = merger.result()
    if styles is not None:
        book.put(book.styles_part(), styles)
    with editing(book, book.workbook_part) as wb:  # "Try it", the first tab, is the one that opens
        for view in wb.root.iter("workbookView"):
            wb.add(remove_attr(wb.data, view, "activeTab"), remove_attr(wb.data, view, "firstSheet"))
    for part in theirs:  # only one tab may be selected, or Excel opens with sheets grouped
        with editing(book, part) as sheet_xml:
            for view in sheet_xml.root.iter("sheetView"):
                if view.attrs.get("tabSelected") == "1":
                    sheet_xml.add(remove_attr(sheet_xml.data, view, "tabSelected"))
    return book.changes


# ------------------------------------------------------------------ ~/.xlwings/xlwings.conf


def user_config_path() -> Path:
    """Where xlwings reads the user's settings (xlwings.USER_CONFIG_FILE): ~/.xlwings/xlwings.conf."""
    return Path.home() / ".xlwings" / "xlwings.conf"


def excel_setup(path=None) -> str:
    """Add `"UDF Modules","xlplugin.udfs"` to the xlwings user config, keeping everything else.

    The file has one `"KEY","VALUE"` line per setting (xlwings' VBA reads it with `Input #`, its
    Python side with a quoted-string regex; keys are case-insensitive). If UDF Modules already
    lists modules, `;xlplugin.udfs` is appended. Returns a sentence saying what was done.
    """
    path = Path(path) if path is not None else user_config_path()
    raw = path.read_bytes() if path.exists() else b""
    content = raw.decode("utf-8", errors="surrogateescape")
    newline = "\r\n" if "\r\n" in content else ("\n" if content or os.name != "nt" else "\r\n")
    lines = content.splitlines(keepends=True)
    for i, line in enumerate(lines):
        values = re.findall(r'"([^"]*)"', line)
        if values and values[0].strip().lower() == UDF_MODULES_KEY.lower():
            modules = [m.strip() for m in (values[1] if len(values) > 1 else "").split(";") if m.strip()]
            if UDF_MODULE in modules:
                return f"{path}: UDF Modules already lists {UDF_MODULE}; nothing changed"
            modules.append(UDF_MODULE)
            ending = line[len(line.rstrip("\r\n")) :] or newline
            lines[i] = f'"{values[0]}","{";".join(modules)}"{ending}'
            action = f"added {UDF_MODULE} to UDF Modules ({';'.join(modules)})"
            break
    else:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        lines.append(f'"{UDF_MODULES_KEY}","{UDF_MODULE}"{newline}')
        action = f'added "{UDF_MODULES_KEY}","{UDF_MODULE}"'
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(lines).encode("utf-8", errors="surrogateescape")
    from xlplugin.ooxml.atomic import write_file

    write_file(path, lambda handle: handle.write(data), replace=True)
    return f"{path}: {action}"
