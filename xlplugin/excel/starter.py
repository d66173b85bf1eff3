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
import zipfile
from pathlib import Path

from xlplugin.core.errors import InputError, Problem

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
            "The whole funnel: each stage against its base and the first stage. [z] = not applicable.",
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

    cells: dict[str, object] = {}
    for r, (stage, count, base, unit) in enumerate(MET, start=6):
        cells[f"A{r}"], cells[f"B{r}"], cells[f"C{r}"], cells[f"D{r}"] = stage, float(count), base or None, unit

    def value(ref: str):
        if ":" in ref:
            first, last = ref.split(":")
            col = first[0]
            return [[cells[f"{col}{r}"]] for r in range(int(first[1:]), int(last[1:]) + 1)]
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
        ours = Path(tmp) / "sheets.xlsx"
        _write_sheets(ours, with_button=True)
        with zipfile.ZipFile(ours) as z:
            parts = {name: z.read(name) for name in z.namelist()}
        with open_package(quickstart_template()) as template:
            changes = _merge(template, parts)
            write_package(template, out, changes, force=force)
    _write_text_atomic(side, _SIDE_MODULE.format(workbook=out.name, stem=out.stem))
    return out


def _write_text_atomic(path: Path, text: str) -> None:
    from xlplugin.ooxml.atomic import write_file

    data = text.encode("utf-8")
    write_file(path, lambda handle: handle.write(data), replace=True)


def _merge(template, ours: dict[str, bytes]) -> dict[str, bytes]:
    """The parts to add to or change in the quickstart package so it also holds our two sheets."""
    text = {name: data.decode("utf-8") for name, data in ours.items() if not name.endswith(".bin")}
    wb_xml = template.read("xl/workbook.xml").decode("utf-8")
    rels_xml = template.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    ct_xml = template.read("[Content_Types].xml").decode("utf-8")
    styles_xml = template.read("xl/styles.xml").decode("utf-8")

    existing_sheets = [n for n in template.names() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
    next_sheet = 1 + max((int(re.search(r"(\d+)", n).group(1)) for n in existing_sheets), default=0)
    next_rid = 1 + max((int(i) for i in re.findall(r'Id="rId(\d+)"', rels_xml)), default=0)
    next_sheet_id = 1 + max((int(i) for i in re.findall(r'sheetId="(\d+)"', wb_xml)), default=0)
    style_map, styles_xml = _merge_styles(styles_xml, text["xl/styles.xml"])

    changes: dict[str, bytes] = {}
    new_sheets, new_rels, new_types = [], [], []
    ours_wb = text["xl/workbook.xml"]
    ours_rels = text["xl/_rels/workbook.xml.rels"]
    our_sheet_targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="(worksheets/sheet\d+\.xml)"', ours_rels))
    vml_count = 0
    for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"/>', ours_wb):
        source = "xl/" + our_sheet_targets[rid]
        target = f"xl/worksheets/sheet{next_sheet}.xml"
        sheet_xml = _restyle(text[source], style_map)
        source_rels = source.replace("worksheets/", "worksheets/_rels/") + ".rels"
        if source_rels in text:
            rels = text[source_rels]
            for vml in re.findall(r'Target="\.\./drawings/(vmlDrawing\d+\.vml)"', rels):
                vml_count += 1
                new_vml = f"vmlDrawing{vml_count}.vml"
                while template.has(f"xl/drawings/{new_vml}"):
                    vml_count += 1
                    new_vml = f"vmlDrawing{vml_count}.vml"
                changes[f"xl/drawings/{new_vml}"] = ours[f"xl/drawings/{vml}"]
                rels = rels.replace(f"../drawings/{vml}", f"../drawings/{new_vml}")
            changes[target.replace("worksheets/", "worksheets/_rels/") + ".rels"] = rels.encode("utf-8")
        changes[target] = sheet_xml.encode("utf-8")
        new_sheets.append(f'<sheet name="{name}" sheetId="{next_sheet_id}" r:id="rId{next_rid}"/>')
        new_rels.append(
            f'<Relationship Id="rId{next_rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{next_sheet}.xml"/>'
        )
        new_types.append(
            f'<Override PartName="/{target}" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/>'
        )
        next_sheet, next_rid, next_sheet_id = next_sheet + 1, next_rid + 1, next_sheet_id + 1
    if "xl/metadata.xml" in ours and not template.has("xl/metadata.xml"):  # dynamic-array formulas
        changes["xl/metadata.xml"] = ours["xl/metadata.xml"]
        new_rels.append(
            f'<Relationship Id="rId{next_rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/sheetMetadata" Target="metadata.xml"/>'
        )
        new_types.append(
            '<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheetMetadata+xml"/>'
        )
    if vml_count and 'Extension="vml"' not in ct_xml:
        new_types.insert(
            0, '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
        )

    # our sheets come first, and "Try it" is the one that opens
    wb_xml = re.sub(r"<sheets>", "<sheets>" + "".join(new_sheets), wb_xml, count=1)
    wb_xml = re.sub(r'(<workbookView\b[^>]*?)\s+activeTab="\d+"', r"\1", wb_xml)
    wb_xml = re.sub(r'(<workbookView\b[^>]*?)\s+firstSheet="\d+"', r"\1", wb_xml)
    changes["xl/workbook.xml"] = wb_xml.encode("utf-8")
    changes["xl/_rels/workbook.xml.rels"] = rels_xml.replace(
        "</Relationships>", "".join(new_rels) + "</Relationships>"
    ).encode("utf-8")
    defaults = [t for t in new_types if t.startswith("<Default")]
    overrides = [t for t in new_types if not t.startswith("<Default")]
    ct_xml = re.sub(r"(<Types\b[^>]*>)", lambda m: m.group(1) + "".join(defaults), ct_xml, count=1)
    changes["[Content_Types].xml"] = ct_xml.replace("</Types>", "".join(overrides) + "</Types>").encode("utf-8")
    changes["xl/styles.xml"] = styles_xml.encode("utf-8")
    for name in existing_sheets:  # only one tab may be selected, or Excel opens with sheets grouped
        xml = template.read(name).decode("utf-8")
        unselected = re.sub(r'(<sheetView\b[^>]*?)\s+tabSelected="1"', r"\1", xml)
        if unselected != xml:
            changes[name] = unselected.encode("utf-8")
    if template.has("docProps/app.xml"):  # app.xml lists the sheet names: keep it in step, in tab order
        from xlplugin.ooxml.apptitles import with_worksheet_titles
        from xlplugin.ooxml.fragments import unescape

        names = [unescape(n) for n in re.findall(r'<sheet\b[^>]*?\bname="([^"]*)"', wb_xml)]
        changes["docProps/app.xml"] = with_worksheet_titles(template.read("docProps/app.xml"), names)
    return changes


def _items(block: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}\b[^>]*/>|<{tag}\b[^>]*[^/]>.*?</{tag}>|<{tag}>.*?</{tag}>", block, flags=re.S)


def _block(xml: str, tag: str) -> re.Match | None:
    return re.search(rf"<{tag}\b[^>]*?(?:/>|>(.*?)</{tag}>)", xml, flags=re.S)


def _merge_styles(base: str, ours: str) -> tuple[dict[int, int], str]:
    """Append our fonts, fills, borders, number formats and cell formats to `base` (text splicing,
    so its namespace prefixes and mc:Ignorable stay as they are); map our xf index -> merged index."""
    offsets = {}
    for tag, item in (("fonts", "font"), ("fills", "fill"), ("borders", "border")):
        base_block, our_block = _block(base, tag), _block(ours, tag)
        base_items = _items(base_block.group(1) or "", item)
        our_items = _items(our_block.group(1) or "", item) if our_block else []
        offsets[item] = len(base_items)
        merged = base_block.group(0)
        merged = re.sub(r'count="\d+"', f'count="{len(base_items) + len(our_items)}"', merged, count=1)
        merged = merged.replace(f"</{tag}>", "".join(our_items) + f"</{tag}>")
        base = base[: base_block.start()] + merged + base[base_block.end() :]
    # number formats: keep ids >= 164 unique
    base_fmts = _block(base, "numFmts")
    used = {int(i) for i in re.findall(r'numFmtId="(\d+)"', base_fmts.group(0))} if base_fmts else set()
    our_fmts = _block(ours, "numFmts")
    fmt_map: dict[int, int] = {}
    new_fmts = []
    if our_fmts:
        next_id = max(used | {163}) + 1
        for fmt in _items(our_fmts.group(1) or "", "numFmt"):
            old = int(re.search(r'numFmtId="(\d+)"', fmt).group(1))
            fmt_map[old] = next_id
            new_fmts.append(re.sub(r'numFmtId="\d+"', f'numFmtId="{next_id}"', fmt))
            next_id += 1
    if new_fmts:
        if base_fmts:
            items = _items(base_fmts.group(1) or "", "numFmt") + new_fmts
            block = f'<numFmts count="{len(items)}">{"".join(items)}</numFmts>'
            base = base[: base_fmts.start()] + block + base[base_fmts.end() :]
        else:
            fonts = re.search(r"<fonts\b", base)
            base = (
                base[: fonts.start()]
                + f'<numFmts count="{len(new_fmts)}">{"".join(new_fmts)}</numFmts>'
                + base[fonts.start() :]
            )
    base_xfs, our_xfs = _block(base, "cellXfs"), _block(ours, "cellXfs")
    base_items = _items(base_xfs.group(1), "xf")
    our_items = _items(our_xfs.group(1), "xf")

    def remap(xf: str) -> str:
        for attr, item in (("fontId", "font"), ("fillId", "fill"), ("borderId", "border")):

            def shifted(m: re.Match[str], o: int = offsets[item], a: str = attr) -> str:
                return f'{a}="{int(m.group(1)) + o}"'

            xf = re.sub(rf'{attr}="(\d+)"', shifted, xf)
        return re.sub(r'numFmtId="(\d+)"', lambda m: f'numFmtId="{fmt_map.get(int(m.group(1)), int(m.group(1)))}"', xf)

    style_map = {i: len(base_items) + i for i in range(len(our_items))}
    merged = (
        f'<cellXfs count="{len(base_items) + len(our_items)}">'
        + "".join(base_items)
        + "".join(remap(x) for x in our_items)
        + "</cellXfs>"
    )
    base = base[: base_xfs.start()] + merged + base[base_xfs.end() :]
    return style_map, base


def _restyle(sheet_xml: str, style_map: dict[int, int]) -> str:
    """Point a sheet's cell, row and column styles at the merged style indexes."""
    sheet_xml = re.sub(
        r'(<(?:c|row)\b[^>]*?\ss=")(\d+)(")',
        lambda m: m.group(1) + str(style_map.get(int(m.group(2)), 0)) + m.group(3),
        sheet_xml,
    )
    return re.sub(
        r'(<col\b[^>]*?\sstyle=")(\d+)(")',
        lambda m: m.group(1) + str(style_map.get(int(m.group(2)), 0)) + m.group(3),
        sheet_xml,
    )


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
