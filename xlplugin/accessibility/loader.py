"""Reading a workbook package into the checks' model (never evaluating or executing anything).

The package is opened through `xlplugin.ooxml.package` (zip-bomb limits, no DTDs); a damaged
number or reference in a part is refused with the part and the cell named, as refresh does,
rather than a traceback.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from xml.etree.ElementTree import Element as XmlElement

from xlplugin.accessibility.model import (
    NS_CHART,
    NS_DC,
    R_ID,
    REL_CHARTSHEET,
    XDR,
    Cell,
    Frame,
    Hyperlink,
    M,
    Sheet,
    Styles,
    Table,
    Workbook,
)
from xlplugin.ooxml.cellref import column_letters
from xlplugin.ooxml.cells import read_cell, read_row
from xlplugin.ooxml.malformed import MalformedPart, read_int
from xlplugin.ooxml.package import Relationship, open_package
from xlplugin.ooxml.scanner import split_name


def _text_of(element) -> str:
    """Concatenated text of the <t> elements of a shared/inline string, without phonetic runs."""
    phonetic = {id(t) for rph in element.iter(f"{M}rPh") for t in rph.iter(f"{M}t")}
    return "".join(t.text for t in element.iter(f"{M}t") if t.text and id(t) not in phonetic)


def _load_styles(package, part: str | None) -> Styles:
    if part is None:
        return Styles({}, [], [], [], [], [], [])
    root = package.xml(part)

    def children(container: str, child: str) -> list:
        element = root.find(f"{M}{container}")
        return list(element.findall(f"{M}{child}")) if element is not None else []

    formats = {
        read_int(f.get("numFmtId"), part, "a numFmtId"): f.get("formatCode", "") for f in children("numFmts", "numFmt")
    }
    cell_styles = [
        (s.get("name", ""), read_int(s.get("xfId", "0"), part, "a cell style's xfId"), s.get("builtinId"))
        for s in children("cellStyles", "cellStyle")
    ]
    return Styles(
        formats,
        children("fonts", "font"),
        children("fills", "fill"),
        children("borders", "border"),
        children("cellXfs", "xf"),
        children("cellStyleXfs", "xf"),
        cell_styles,
    )


def _load_cells(root, shared: list[tuple[str, list]], part: str) -> dict[tuple[int, int], Cell]:
    """The sheet's cells; a row number, cell reference or index Excel would never write is refused (MalformedPart)."""
    cells: dict[tuple[int, int], Cell] = {}
    data = root.find(f"{M}sheetData")
    if data is None:
        return cells
    row_number = 0
    for row in data.findall(f"{M}row"):
        row_number = read_row(row.get("r"), part) if row.get("r") is not None else row_number + 1
        col_number = 0
        for c in row.findall(f"{M}c"):
            ref = c.get("r")
            if ref:
                row_number_c, col_number = read_cell(ref, part)
            else:
                row_number_c, col_number = row_number, col_number + 1
            where = f"cell {column_letters(col_number)}{row_number_c}"
            kind_attr = c.get("t", "n")
            v = c.find(f"{M}v")
            f = c.find(f"{M}f")
            formula = (f.text or "") if f is not None else None
            runs: list = []
            value: object
            if kind_attr == "s" and v is not None and v.text is not None:
                index = read_int(v.text.strip(), part, f"a shared-string index at {where}")
                text, runs = shared[index] if index < len(shared) else ("", [])
                kind, value = "s", text
            elif kind_attr == "inlineStr":
                inline = c.find(f"{M}is")
                kind, value = ("s", _text_of(inline)) if inline is not None else ("", None)
                if inline is not None:
                    runs = [r.find(f"{M}rPr") for r in inline.findall(f"{M}r") if r.find(f"{M}rPr") is not None]
            elif v is None or v.text is None:
                kind, value = "", None
            elif kind_attr == "str":
                kind, value = "s", v.text
            elif kind_attr == "b":
                kind, value = "b", v.text == "1"
            elif kind_attr == "e":
                kind, value = "e", v.text
            else:
                try:
                    kind, value = "n", float(v.text)
                except ValueError:
                    kind, value = "e", v.text
            cells[(row_number_c, col_number)] = Cell(
                row_number_c,
                col_number,
                kind,
                value,
                read_int(c.get("s", "0"), part, f"a style at {where}"),
                formula,
                runs,
            )
    return cells


def _load_drawing(package, part: str) -> list[Frame]:
    root = package.xml(part)
    rels = {rel.id: rel for rel in package.rels(part)}
    frames = []
    for anchor in list(root):
        for element in anchor.iter():
            local = split_name(element.tag)[1]
            if element.tag not in (f"{XDR}graphicFrame", f"{XDR}pic", f"{XDR}sp"):
                continue
            c_nv_pr = next(element.iter(f"{XDR}cNvPr"), None)
            name = c_nv_pr.get("name", "") if c_nv_pr is not None else ""
            descr = c_nv_pr.get("descr", "") if c_nv_pr is not None else ""
            if local == "graphicFrame":
                chart = next(element.iter(f"{{{NS_CHART}}}chart"), None)
                rel = rels.get(chart.get(R_ID)) if chart is not None else None
                frames.append(
                    Frame(
                        "chart" if chart is not None else "frame",
                        name,
                        descr,
                        False,
                        rel.part if rel is not None and package.has(rel.part) else None,
                    )
                )
            elif local == "pic":
                frames.append(Frame("picture", name, descr, False, None))
            else:
                frames.append(Frame("shape", name, descr, element.find(f"{XDR}txBody") is not None, None))
    return frames


def load_workbook(path: Path | str) -> Workbook:
    """Read everything the checks need from the package (never evaluates or executes anything).

    InputError when the file is not a readable xlsx package; MalformedPart, naming the workbook,
    the part and the place, when a part holds what Excel never writes (``<row r="x">``).
    """
    try:
        return _load_workbook(Path(path))
    except MalformedPart as exc:
        raise exc.located(str(path)) from None


def _load_workbook(path: Path) -> Workbook:
    with open_package(path) as package:
        main = package.main_part()
        root = package.xml(main)
        rels = {rel.id: rel for rel in package.rels(main)}
        by_type: dict[str, list[Relationship]] = {}
        for rel in rels.values():
            by_type.setdefault(rel.type.rsplit("/", 1)[-1], []).append(rel)

        shared: list[tuple[str, list]] = []
        for rel in by_type.get("sharedStrings", []):
            if package.has(rel.part):
                for si in package.xml(rel.part).findall(f"{M}si"):
                    run_props = [r.find(f"{M}rPr") for r in si.findall(f"{M}r") if r.find(f"{M}rPr") is not None]
                    shared.append((_text_of(si), run_props))
        style_rels = [r.part for r in by_type.get("styles", []) if package.has(r.part)]
        styles = _load_styles(package, style_rels[0] if style_rels else None)

        view = root.find(f"{M}bookViews/{M}workbookView")
        active_tab = read_int(view.get("activeTab", "0"), main, "an activeTab") if view is not None else 0
        first_sheet = read_int(view.get("firstSheet", "0"), main, "a firstSheet") if view is not None else 0

        chart_parts: dict[str, XmlElement] = {}
        sheets = []
        for element in root.iter(f"{M}sheet"):
            rel = rels.get(element.get(R_ID))
            kind = "chartsheet" if rel is not None and rel.type.endswith(REL_CHARTSHEET) else "worksheet"
            part = rel.part if rel is not None else ""
            sheet = Sheet(element.get("name", ""), part, kind, element.get("state", "visible"))
            sheets.append(sheet)
            if rel is None or not package.has(part):
                continue
            sheet_root = package.xml(part)
            sheet_rels = {r.id: r for r in package.rels(part)}
            sheet.views = list(sheet_root.iter(f"{M}sheetView"))
            if kind == "worksheet":
                sheet.cells = _load_cells(sheet_root, shared, part)
                sheet.merges = [m.get("ref", "") for m in sheet_root.iter(f"{M}mergeCell")]
                sheet.sheet_autofilter = sheet_root.find(f"{M}autoFilter") is not None
                for link in sheet_root.iter(f"{M}hyperlink"):
                    target_rel = sheet_rels.get(link.get(R_ID)) if link.get(R_ID) else None
                    sheet.hyperlinks.append(
                        Hyperlink(
                            link.get("ref", ""),
                            link.get("location"),
                            target_rel.target if target_rel is not None else None,
                            link.get("display"),
                        )
                    )
                for table_part in sheet_root.iter(f"{M}tablePart"):
                    table_rel = sheet_rels.get(table_part.get(R_ID))
                    if table_rel is None or not package.has(table_rel.part):
                        continue
                    table = package.xml(table_rel.part)
                    sheet.tables.append(
                        Table(
                            table.get("displayName") or table.get("name", ""),
                            table_rel.part,
                            table.get("ref", "A1"),
                            read_int(table.get("headerRowCount", "1"), table_rel.part, "a headerRowCount"),
                            read_int(table.get("totalsRowCount", "0"), table_rel.part, "a totalsRowCount"),
                            [c.get("name", "") for c in table.iter(f"{M}tableColumn")],
                            table.find(f"{M}autoFilter") is not None,
                        )
                    )
            hf = sheet_root.find(f"{M}headerFooter")
            if hf is not None:
                sheet.header_footer = [split_name(child.tag)[1] for child in hf if (child.text or "").strip()]
            for drawing in sheet_root.iter(f"{M}drawing"):
                drawing_rel = sheet_rels.get(drawing.get(R_ID))
                if drawing_rel is not None and package.has(drawing_rel.part):
                    sheet.frames.extend(_load_drawing(package, drawing_rel.part))
            for frame in sheet.frames:
                if frame.chart_part and frame.chart_part not in chart_parts:
                    chart_parts[frame.chart_part] = package.xml(frame.chart_part)

        title = language = None
        for rel in package.rels(""):
            if rel.type.endswith("/core-properties") and rel.part and package.has(rel.part):
                core = package.xml(rel.part)
                title_el = core.find(f"{{{NS_DC}}}title")
                language_el = core.find(f"{{{NS_DC}}}language")
                title = (title_el.text or "").strip() if title_el is not None else None
                language = (language_el.text or "").strip() if language_el is not None else None
        has_macros = (
            any(posixpath.basename(n).lower() == "vbaproject.bin" for n in package.names())
            or "macroenabled" in (package.content_type(main) or "").lower()
        )
    return Workbook(path, sheets, styles, active_tab, first_sheet, title, language, has_macros, chart_parts)
