"""`xlplugin refresh WORKBOOK NEW.csv`: bring a report workbook up to date, keeping the user's work.

How: render a fresh report in memory from the new data and the options the workbook recorded
(``xlplugin.report.ownership``), then transplant each owned sheet's parts into the user's
package: the sheet XML (shared strings turned into inline strings, style indices mapped into
the user's styles.xml by `StyleMerger`), its tables (ids made unique), drawings and charts.
Owned sheets are found by their ``xlp_sheet_<key>`` defined names (which follow a renamed
sheet and survive Excel and LibreOffice re-saves), not by part names. Everything the report
does not own is copied unchanged. Before anything is written, the owned cells the user has
edited are found (`xlplugin.refresh.edits`) and refresh refuses, naming them, unless `force`;
what the workbook records about itself is read by `xlplugin.refresh.owned`; text only the old
owned sheets showed is emptied from the shared strings (`xlplugin.refresh.strings`).

Owned sheets the new data no longer needs (e.g. the funnel plot when fewer programmes remain)
are removed; new ones (e.g. claims) are added at the end. What the user put *on* an owned sheet
is carried over: comments (kept parts, a ``<legacyDrawing>``) and drawn objects (shapes, text
boxes, pictures, their own charts: merged into the sheet's drawing beside the report's chart).
Cells the user typed on an owned sheet outside column A and the report's tables are kept in
place. Refused with a message (nothing written): a workbook without the ownership record;
hand-edited table cells, or user cells where the new figures go or on a sheet that goes (unless
`force`); sheets to add or remove in a structure-protected workbook.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xlplugin.core.errors import InputError, Problem
from xlplugin.ooxml.book import Book, open_book, table_range
from xlplugin.ooxml.cellref import quote_sheet
from xlplugin.ooxml.cells import RowCells, inline_string, merge_rows, read_cell
from xlplugin.ooxml.fragments import element as fragment
from xlplugin.ooxml.fragments import unescape
from xlplugin.ooxml.package import (
    NS_REL,
    MalformedPart,
    Package,
    Relationship,
    check_targets,
    open_package,
    scan,
    set_attr,
    splice,
    write_package,
    xml_attr,
    xml_text,
)
from xlplugin.ooxml.scanner import Element, element_bytes, prefix_for, split_name
from xlplugin.ooxml.schema import insert_child
from xlplugin.ooxml.styles import StyleMerger, restyle
from xlplugin.refresh.edits import edited_cells, shared_strings, sheet_values  # noqa: F401 - re-exported
from xlplugin.refresh.owned import (  # noqa: F401 - re-exported
    CUSTOM_PROPS,
    _recorded_method,
    _suppressed,
    custom_properties,
    owned_sheets,
    record_spec_or_none,
)
from xlplugin.refresh.strings import drop_unused_strings

REL_DRAWING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
REL_CHART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
#: Relationship types whose target parts belong to an owned sheet (replaced with it).
OWNED_PART_TYPES = (
    "/table",
    "/drawing",
    "/chart",
    "/printerSettings",
    "/chartStyle",
    "/chartColorStyle",
    "/chartUserShapes",
)
#: Relationship types of things a user adds to an owned sheet that refresh carries over (comments).
KEPT_TYPES = ("/comments", "/vmlDrawing", "/threadedComment")


# --------------------------------------------------------------------------------------------


def refresh_workbook(
    workbook, csv, *, output=None, backup=False, force=False, prepared=None, read_options=None
) -> Path:
    """Refresh a workbook made by `xlplugin report` from `csv` (a funnel CSV, a workbook, a TOML
    spec, or `-` for standard input), read once through `xlplugin.inputs.load` with `read_options`.

    `prepared` (funnel, report Source) stands in for reading `csv`: a funnel counted from case
    records (`xlplugin.cases.report.prepare`).
    """
    try:
        return _refresh_workbook(
            Path(workbook), csv, output=output, backup=backup, force=force, prepared=prepared, read_options=read_options
        )
    except MalformedPart as exc:  # raised before anything is written; name the file it is in
        raise exc.located(str(workbook)) from None


def _reading(workbook: Path, read_options):
    """`read_options`, or without --dash, --not-available and --zero the tokens the report was made
    with (its record), so new data is read as the report read its own. The record is only peeked
    at: a workbook that cannot be read is refused later, after the data is validated."""
    from xlplugin.core.counts import Missing
    from xlplugin.inputs.layout import LayoutOptions
    from xlplugin.inputs.loader import ReadOptions
    from xlplugin.report import ownership

    options = read_options or ReadOptions()
    if options.dash != "unavailable" or options.not_available is not None or options.zero is not None:
        return options
    try:
        with open_package(workbook) as package:
            record = ownership.read_ownership(custom_properties(package)) or {}
    except Exception:  # noqa: BLE001 - any fault is reported by the real open, in its order
        return options
    return options._replace(**LayoutOptions.tokens_of(Missing.from_record(record.get("missing"))))


def _refresh_workbook(workbook: Path, csv, *, output, backup, force, prepared=None, read_options=None) -> Path:
    from xlplugin.core.counts import Missing
    from xlplugin.inputs.loader import load
    from xlplugin.report import ownership
    from xlplugin.report.build import load_report_layout, parse_timestamp
    from xlplugin.report.layout import Options
    from xlplugin.report.xlsx import render

    workbook = Path(workbook)
    target = Path(output) if output is not None else workbook
    loaded = None
    if prepared is None:  # the data is read once (standard input too) and validated before the workbook is opened
        loaded = load(csv, options=_reading(workbook, read_options))
    check_targets(workbook, target, force)
    with open_package(workbook, lock=True) as package:
        record = ownership.read_ownership(custom_properties(package))
        if record is None:
            raise InputError(
                Problem(
                    "this workbook was not made by `xlplugin report` (it has no xlplugin record); "
                    "to write a CSV into any workbook use --table NAME",
                    str(workbook),
                )
            )
        book = open_book(package, workbook)
        owned = owned_sheets(book)
        if not owned:
            raise InputError(Problem("no sheet of this workbook is marked as made by xlplugin", str(workbook)))
        owned_parts: dict[str, str] = {}
        for name in owned.values():  # every owned sheet has its own worksheet part (else refused)
            part = book.sheet_part(book.sheet_named(name))
            if part.lower() in owned_parts:
                raise MalformedPart(
                    book.package.rels_name(book.workbook_part),
                    f"names {part} for both sheet {owned_parts[part.lower()]!r} and sheet {name!r}",
                    workbook,
                )
            owned_parts[part.lower()] = name
        confidence, method = _recorded_method(record, workbook)
        options = Options(
            confidence=confidence,
            method=method,
            publish=bool(record.get("publish", False)),
            generated=parse_timestamp(None),
            suppressed=_suppressed(record),
            missing=Missing.from_record(record.get("missing")),  # how the data sheet's own counts were read
        )
        # the one description of the report that `xlplugin report` renders, with the recorded options
        # a bare CSV keeps the title, cover and claims recorded in the workbook; a spec replaces them
        given_spec = loaded is not None and loaded.spec is not None
        recorded_spec = None if given_spec else record_spec_or_none(record, str(workbook))
        stated = record.get("data_periods")  # the periods the old data stated (a kept title may name them)
        previous = tuple(p for p in stated if isinstance(p, str)) if isinstance(stated, list) else ()
        if prepared is not None:  # counted from case records: the funnel and data sheet are given
            from xlplugin.inputs.spec import check_claim_stages
            from xlplugin.report.layout import report_layout

            funnel, source = prepared
            if recorded_spec is not None:
                check_claim_stages(recorded_spec, funnel, f"{csv} (against the claims recorded in the workbook)")
            recorded = options._replace(
                periods=bool(record.get("periods", False)),
                overdispersion=str(record.get("overdispersion", "auto")),
                previous_periods=previous if recorded_spec is not None else None,
            )
            layout = report_layout(funnel, recorded_spec, source, recorded)
        else:
            layout = load_report_layout(
                csv,
                confidence=options.confidence,
                method=options.method,
                publish=options.publish,
                timestamp=options.generated,
                suppressed=options.suppressed,
                spec=recorded_spec,
                periods=bool(record.get("periods", False)),
                overdispersion=str(record.get("overdispersion", "auto")),
                loaded=loaded,
                previous_periods=previous,
            )
        if not force:
            # as the last refresh rendered it: the recorded options, the kept title retitled to the data's periods
            shown_as = options._replace(
                periods=bool(record.get("periods", False)),
                overdispersion=str(record.get("overdispersion", "auto")),
                previous_periods=previous,
            )
            edited = edited_cells(book, owned, shown_as, record_spec_or_none(record, str(workbook)))
            if edited:
                shown = _cells_by_sheet(edited)
                raise InputError(
                    Problem(
                        f"cells that refresh would overwrite were edited by hand: {shown} (they no "
                        "longer match the figures on the data sheet, or the data sheet was edited). "
                        "Move your changes to a sheet of your own, or use --force to overwrite "
                        "them",
                        str(workbook),
                    )
                )
        fresh_keys = {sheet.key for sheet in layout.sheets}
        extras = {key: user_cells(book, name) for key, name in owned.items()}
        collisions = _collisions(extras, owned, layout)
        for key in [key for key in owned if key not in fresh_keys]:
            if _comment_rels(book, owned[key]):  # the user's comments would go with the sheet
                collisions.setdefault(owned[key], []).append("comments")
        if collisions and not force:
            shown = _cells_by_sheet(collisions)
            raise InputError(
                Problem(
                    f"cells you added to the report's sheets are where the new figures go (or on a "
                    f"sheet the new data no longer has): {shown}. Move them, or use --force to "
                    "drop them",
                    str(workbook),
                )
            )
        if book.structure_locked() and (fresh_keys ^ set(owned)):
            raise InputError(
                Problem(
                    "the new data needs sheets added or removed, but the workbook's structure is "
                    "protected (Review > Protect Workbook); unprotect it and try again",
                    str(workbook),
                )
            )
        for key in [key for key in owned if key not in fresh_keys]:
            # the new data has no such sheet (e.g. fewer programmes): it goes, with its parts
            sheet = book.sheet_named(owned.pop(key))
            _drop_owned_parts(book, sheet.part, types=OWNED_PART_TYPES + KEPT_TYPES)  # its comments go with it
            book.remove_sheet(sheet)
            book.remove_defined_name(ownership.sheet_defined_name(key))
        fresh_bytes = render(layout)
        with open_package(fresh_bytes) as fresh:  # in memory: no scratch folder to leave behind
            transplant(book, fresh, layout, owned, extras)
        _set_document_title(book, layout.title)
        drop_unused_strings(book)  # text of the old owned sheets must not stay in sharedStrings.xml
        write_package(package, target, book.changes, backup=backup, force=force)
    _remove_old_scratch()
    return target


_DC_TITLE = re.compile(rb"(<dc:title>)(.*?)(</dc:title>)", re.S)


def _set_document_title(book: Book, title: str) -> None:
    """The document's title property (docProps/core.xml) follows the cover's, e.g. after a retitle."""
    from xml.sax.saxutils import escape

    part = book.package.find("docProps/core.xml")
    if part is None:
        return
    data = book.current(part)
    new = escape(title).encode("utf-8")
    m = _DC_TITLE.search(data)
    if m is not None and m.group(2) != new:
        book.put(part, data[: m.start(2)] + new + data[m.end(2) :])


def _remove_old_scratch() -> None:
    """Scratch folders that versions before 0.2 made in the system temp folder and a kill left there."""
    import tempfile

    from xlplugin.ooxml.atomic import remove_stale_scratch

    remove_stale_scratch(Path(tempfile.gettempdir()))


# --------------------------------------------------------------------------------------------
# transplanting owned sheets from the fresh rendering


def _quoted(name: str) -> str:
    return quote_sheet(name)


def user_cells(book: Book, sheet_name: str) -> dict[tuple[int, int], bytes]:
    """Cells the user typed on an owned sheet: outside column A (the report's text) and its tables.

    Returned as their XML, which stays valid in the refreshed sheet: its style indices and
    shared-string indices are the user's own, and refresh changes neither list's entries.
    """
    sheet = book.sheet_named(sheet_name)
    if sheet is None or sheet.part is None:
        return {}
    rects = [table_range(table) for table in book.tables if table.sheet.part == sheet.part]
    data = book.package.read(sheet.part)
    root = scan(data, sheet.part, stop_at={"v", "f", "is"})
    sheet_data = root.find("sheetData")
    out: dict[tuple[int, int], bytes] = {}
    if sheet_data is None:
        return out
    for row in sheet_data.findall("row"):
        for c in row.findall("c"):
            ref = c.attrs.get("r")
            if not ref or not any(child.local in ("v", "f", "is") for child in c.children):
                continue
            r, col = read_cell(ref, sheet.part)
            if col == 1 or any(t[0] <= r <= t[2] and t[1] <= col <= t[3] for t in rects):
                continue
            out[(r, col)] = data[c.start : c.end]
    return out


def _fresh_occupied(sheet) -> Callable[[int, int], bool]:
    """Is (row, column) (1-based) where the fresh report writes: column A or its table."""
    table = sheet.table

    def occupied(r: int, c: int) -> bool:
        if c == 1:
            return True
        return (
            table is not None and table.top + 1 <= r <= table.last_row + 1 and table.left + 1 <= c <= table.last_col + 1
        )

    return occupied


def _cells_by_sheet(cells: dict[str, list[str]]) -> str:
    """`sheet 'Funnel' B5, B6; sheet 'Notes' A9`, at most twelve cells a sheet."""
    return "; ".join(
        f"sheet {sheet!r} {', '.join(refs[:12])}{' ...' if len(refs) > 12 else ''}" for sheet, refs in cells.items()
    )


def _collisions(extras: dict, owned: dict[str, str], layout) -> dict[str, list[str]]:
    from xlplugin.ooxml.cells import cell_ref

    sheets = {sheet.key: sheet for sheet in layout.sheets}
    out: dict[str, list[str]] = {}
    for key, cells in extras.items():
        if not cells:
            continue
        if key not in sheets:
            out[owned[key]] = [cell_ref(r, c) for r, c in sorted(cells)]
            continue
        occupied = _fresh_occupied(sheets[key])
        hits = [cell_ref(r, c) for r, c in sorted(cells) if occupied(r, c)]
        if hits:
            out[owned[key]] = hits
    return out


def _insert_cells(data: bytes, cells: dict[tuple[int, int], bytes], where: str = "the fresh sheet") -> bytes:
    """The sheet XML with `cells` (raw ``<c>`` XML) placed in their rows, in column order."""
    if not cells:
        return data
    root = scan(data, where, stop_at={"c"})
    by_row: dict[int, RowCells] = {}
    for (r, col), xml in cells.items():
        by_row.setdefault(r, []).append((col, xml))
    return splice(data, merge_rows(data, root.require("sheetData", where), by_row, where))


def transplant(book: Book, fresh: Package, layout, owned: dict[str, str], extras: dict | None = None) -> None:
    fresh_book = open_book(fresh, fresh.path)
    merger = StyleMerger(book.current(book.styles_part()), fresh.read(fresh_book.styles_part()), book.styles_part())
    fresh_shared = shared_strings(fresh, fresh_book)
    renames = {}
    for sheet in layout.sheets:
        user_name = owned.get(sheet.key)
        if user_name is not None and user_name != sheet.name:
            renames[sheet.name] = user_name
    next_table_id = [max([0, *(t.id for t in book.tables)])]
    new_names = []
    for sheet in layout.sheets:
        fresh_sheet = fresh_book.sheet_named(sheet.name)
        data = fresh.read(fresh_sheet.part)
        data = _inline_strings(data, fresh_shared, fresh_sheet.part)
        data = restyle(data, merger.map, fresh_sheet.part)
        data = _rename_refs(data, renames)
        user_name = owned.get(sheet.key)
        if user_name is not None:
            occupied = _fresh_occupied(sheet)
            mine = {pos: xml for pos, xml in (extras or {}).get(sheet.key, {}).items() if not occupied(*pos)}
            data = _insert_cells(data, mine)
            user_sheet = book.sheet_named(user_name)
            part = book.sheet_part(user_sheet)
            kept = [rel for rel in book.package.rels(part) if any(rel.type.endswith(t) for t in KEPT_TYPES)]
            data = _keep_comments(data, kept)
            drawing = _user_drawing(book, part, has_chart=sheet.chart is not None)
            if drawing is not None:
                _drop_owned_parts(book, part, keep=drawing.keep - {drawing.part}, rewritten=drawing.part)
            else:
                _drop_owned_parts(book, part)
            if drawing is not None and b"<drawing " not in data and b":drawing " not in data:
                data = _add_drawing_element(data)
                kept = kept + [drawing.sheet_rel]
            book.put(part, data)
        else:
            kept, drawing = [], None
            name = _free_sheet_name(book, sheet.name)
            part, user_sheet = book.add_worksheet(name, data)
            new_names.append((sheet.key, name))
        _copy_sheet_rels(book, fresh, fresh_sheet.part, part, renames, next_table_id, kept, drawing)
    for key, name in new_names:
        _add_defined_name(book, key, name)
    _order_like_contents(book, layout, {**owned, **dict(new_names)}, {key for key, _ in new_names})
    book.sync_app_titles()  # the new sheets' defined names, now added
    styles = merger.result()
    if styles is not None:
        book.put(book.styles_part(), styles)
    book.drop_calc_chain()
    book.request_full_calculation()


def _order_like_contents(book: Book, layout, names: dict[str, str], new: set[str]) -> None:
    """Put the report's sheets in the order of its contents sheet: a new sheet goes right after the one
    before it in the layout, an owned sheet found out of order moves after its predecessor; the
    user's own sheets stay where they are."""
    last = -1
    for sheet in layout.sheets:
        found = book.sheet_named(names[sheet.key])
        if found is None:
            continue
        if sheet.key in new and found.index != last + 1:
            book.move_sheet(found, last + 1 if found.index > last else last)
        elif found.index < last:
            book.move_sheet(found, last)
        last = found.index


def _free_sheet_name(book: Book, name: str) -> str:
    candidate, n = name, 2
    while book.sheet_named(candidate) is not None:
        suffix = f" ({n})"
        candidate = name[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def _inline_strings(data: bytes, shared: list[str], where: str) -> bytes:
    """The fresh sheet with its shared-string cells as inline strings (the user's sharedStrings.xml stays)."""
    root = scan(data, where, stop_at={"v", "f", "is"})
    edits = []
    for c in root.iter("c"):
        v = c.find("v")
        if c.attrs.get("t") == "s" and v is not None:
            text = shared[int(v.text(data))]
            edits += [set_attr(data, c, "t", "inlineStr"), (v.start, v.end, inline_string(text, c.prefix(data)))]
    return splice(data, edits)


def _rename_refs(data: bytes, renames: dict[str, str]) -> bytes:
    for old, new in renames.items():
        for quote_old, quote_new in ((_quoted(old), _quoted(new)), (xml_attr(_quoted(old)), xml_attr(_quoted(new)))):
            data = data.replace(quote_old.encode("utf-8") + b"!", quote_new.encode("utf-8") + b"!")
            data = data.replace(
                quote_old.replace("'", "&apos;").encode("utf-8") + b"!",
                quote_new.replace("'", "&apos;").encode("utf-8") + b"!",
            )
    return data


@dataclass
class _UserDrawing:
    """What the user drew on an owned sheet (shapes, text boxes, pictures, their own charts)."""

    part: str
    root_tag: bytes
    close_tag: bytes
    anchors: list[bytes]
    rels: list
    sheet_rel: Relationship

    @property
    def keep(self) -> set[str]:
        """The drawing and the parts the user's anchors use (left in place)."""
        return {self.part} | {rel.part for rel in self.rels if rel.part}


_ANCHORS = ("twoCellAnchor", "oneCellAnchor", "absoluteAnchor")
#: Local names of the attributes by which a drawing's anchors name their relationships (r:embed, dgm r:dm...).
_REL_ATTRS = frozenset(("embed", "id", "link", "pict", "dm", "lo", "qs", "cs"))


def _rel_attrs(data: bytes, anchor: Element) -> list[tuple[Element, str, str]]:
    """Each relationship-id attribute in `anchor`, in document order: (element, name as spelled, id)."""
    found = []
    for el in anchor.iter():
        for key, name in el.spelled(data).items():
            uri, local = split_name(key)
            if uri == NS_REL and local in _REL_ATTRS:
                found.append((el, name, el.attrs[key]))
    return found


def _user_drawing(book: Book, sheet_part: str, *, has_chart: bool) -> _UserDrawing | None:
    """The user's own anchors in the owned sheet's drawing (all but the report's chart), or None."""
    package = book.package
    rel = next(
        (r for r in package.rels(sheet_part) if r.type.endswith("/drawing") and r.part and package.has(r.part)), None
    )
    if rel is None:
        return None
    part = package.find(rel.part)
    data = package.read(part)
    root = scan(data, part)
    anchors = [c for c in root.children if c.local in _ANCHORS]
    ours = None
    if has_chart:
        ours = next((a for a in anchors if b"drawingml/2006/chart" in data[a.start : a.end]), None)
    mine = [a for a in anchors if a is not ours]
    if not mine:
        return None
    rels = {r.id: r for r in package.rels(part)}
    needed = []
    for anchor in mine:
        for _, _, rid in _rel_attrs(data, anchor):
            if rid in rels and rels[rid] not in needed:
                needed.append(rels[rid])
    mapping = {r.id: f"xlpkeep{i}" for i, r in enumerate(needed, start=1)}
    texts = [
        element_bytes(
            data, a, [set_attr(data, el, name, mapping[rid]) for el, name, rid in _rel_attrs(data, a) if rid in mapping]
        )
        for a in mine
    ]
    kept_rels = [_renamed(r, mapping[r.id]) for r in needed]
    close = data[root.close_start : root.end]
    from xlplugin.ooxml.package import Relationship

    sheet_rel = Relationship("xlpkeepdrawing", rel.type, rel.target, False, part)
    return _UserDrawing(part, data[root.start : root.open_end], close, texts, kept_rels, sheet_rel)


def _renamed(rel, new_id: str):
    from xlplugin.ooxml.package import Relationship

    return Relationship(new_id, rel.type, rel.target, rel.external, rel.part)


def _add_drawing_element(data: bytes) -> bytes:
    """A ``<drawing>`` pointing at the kept user drawing, in schema order."""
    return _add_sheet_reference(data, "drawing", "xlpkeepdrawing")


def _add_sheet_reference(data: bytes, local: str, rid: str) -> bytes:
    """The worksheet with a ``<local r:id="rid"/>`` (a drawing, comments' VML) in schema order."""
    root = scan(data)
    r = prefix_for(data, root, NS_REL)
    rid_attrs = [(f"{r}:id", rid)] if r else [("xmlns:r", NS_REL), ("r:id", rid)]
    return splice(data, [insert_child(data, root, local, fragment(f"{root.prefix(data)}{local}", rid_attrs))])


def _namespaces(data: bytes, root: Element) -> list[tuple[str, str]]:
    """The namespace declarations on `root`'s start tag: (name as spelled, URI)."""
    return [
        (name, unescape(data[span.value_start : span.value_end].decode("utf-8")))
        for name, span in root.spans(data).items()
        if name == "xmlns" or name.startswith("xmlns:")
    ]


def _merged_drawing(
    book: Book, fresh: Package, fresh_drawing: str | None, user: _UserDrawing, renames, next_table_id
) -> None:
    """Rewrite the user's drawing part: the fresh report's anchors, then the user's own."""
    anchors, entries = [], []
    if fresh_drawing is not None:
        data = _rename_refs(fresh.read(fresh_drawing), renames)
        root = scan(data)
        declarations = _namespaces(data, root)
        for anchor in root.children:  # each carries the declarations it relied on from its old root
            own = anchor.spans(data)
            declare = [set_attr(data, anchor, name, uri) for name, uri in declarations if name not in own]
            anchors.append(element_bytes(data, anchor, declare))
        entries = [
            _copied_rel(book, fresh, rel, user.part, renames, next_table_id) for rel in fresh.rels(fresh_drawing)
        ]
    entries += [_rel_xml(rel.id, rel.type, rel.target, rel.external) for rel in user.rels]
    book.put(user.part, user.root_tag + b"".join(anchors) + b"".join(user.anchors) + user.close_tag)
    _put_rels(book, user.part, entries)


def _comment_rels(book: Book, sheet_name: str) -> list:
    sheet = book.sheet_named(sheet_name)
    if sheet is None or sheet.part is None:
        return []
    return [rel for rel in book.package.rels(sheet.part) if any(rel.type.endswith(t) for t in KEPT_TYPES)]


def _drop_owned_parts(
    book: Book,
    sheet_part: str,
    keep: frozenset[str] | set[str] = frozenset(),
    rewritten: str | None = None,
    types: tuple[str, ...] = OWNED_PART_TYPES,
) -> None:
    """Remove the parts hanging off an owned sheet (tables, drawings, charts...) and their rels.

    Parts in `keep` (the user's pictures and charts on the sheet) are left whole; `rewritten`
    (the user's drawing, which refresh rewrites) is searched for our charts but not removed.
    `types` are the relationship types followed (a sheet removed whole takes its comments too:
    left behind, unreferenced, their text and authors would still be in the file).
    """
    package = book.package
    keep_lower = {k.lower() for k in keep}
    todo = [sheet_part]
    seen = set()
    while todo:
        part = todo.pop()
        for rel in package.rels(part):
            if rel.external or not rel.part or not package.has(rel.part):
                continue
            child = package.find(rel.part)
            if child in seen or child.lower() in keep_lower or not any(rel.type.endswith(t) for t in types):
                continue
            seen.add(child)
            todo.append(child)
        rels = package.rels_name(part)
        if package.has(rels):
            book.put(rels, None)
            book.remove_override(rels)  # LibreOffice lists .rels parts in [Content_Types].xml too
    for child in seen:
        if rewritten is not None and child.lower() == rewritten.lower():
            continue
        book.put(child, None)
        book.remove_override(child)


def _keep_comments(data: bytes, kept) -> bytes:
    """Point the fresh sheet at the user's comments (``<legacyDrawing>``, in schema order)."""
    vml = next((rel for rel in kept if rel.type.endswith("/vmlDrawing")), None)
    if vml is None:
        return data
    return _add_sheet_reference(data, "legacyDrawing", f"xlpkeep{list(kept).index(vml) + 1}")


def _rel_xml(rid: str, rel_type: str, target: str, external: bool = False) -> str:
    mode = [("TargetMode", "External")] if external else []
    return fragment("Relationship", [("Id", rid), ("Type", rel_type), ("Target", target), *mode]).decode("utf-8")


def _put_rels(book: Book, part: str, entries: list[str]) -> None:
    """Write `part`'s relationships (or remove the rels part when there are none)."""
    rels_part = book.package.rels_name(part)
    if not entries:
        if book.package.has(rels_part):
            book.remove_override(rels_part)
        book.put(rels_part, None)
        return
    book.put(
        rels_part,
        (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(entries)
            + "</Relationships>"
        ).encode("utf-8"),
    )


def _copied_rel(book: Book, fresh: Package, rel, source_part: str, renames, next_table_id) -> str:
    """A fresh relationship of `source_part`, its target part copied into the user's package."""
    if rel.external:
        return _rel_xml(rel.id, rel.type, rel.target, external=True)
    child = _copy_part(book, fresh, rel.part, renames, next_table_id)
    return _rel_xml(rel.id, rel.type, posixpath.relpath(child, posixpath.dirname(source_part)))


def _copy_sheet_rels(
    book: Book,
    fresh: Package,
    fresh_part: str,
    user_part: str,
    renames,
    next_table_id,
    kept=(),
    drawing: _UserDrawing | None = None,
) -> None:
    """Write the sheet's relationships, copying each fresh target part under an unused name."""
    rels = fresh.rels(fresh_part)
    entries = []
    for i, rel in enumerate(kept, start=1):
        rid = rel.id if rel.id == "xlpkeepdrawing" else f"xlpkeep{i}"
        entries.append(_rel_xml(rid, rel.type, rel.target))
    fresh_drawing = next((r for r in rels if r.type.endswith("/drawing") and not r.external), None)
    if drawing is not None:
        _merged_drawing(book, fresh, fresh_drawing.part if fresh_drawing else None, drawing, renames, next_table_id)
    for rel in rels:
        if drawing is not None and rel is fresh_drawing:
            entries.append(_rel_xml(rel.id, rel.type, posixpath.relpath(drawing.part, posixpath.dirname(user_part))))
        else:
            entries.append(_copied_rel(book, fresh, rel, user_part, renames, next_table_id))
    _put_rels(book, user_part, entries)


def _copy_part(book: Book, fresh: Package, part: str, renames, next_table_id) -> str:
    folder, base = posixpath.split(part)
    stem = re.sub(r"\d*\.xml$", "", base)
    new_part = book.unused_part(posixpath.join(folder, stem + "{}.xml"))
    data = _rename_refs(fresh.read(part), renames)
    if "/tables/" in part:
        next_table_id[0] += 1
        root = scan(data)
        data = splice(data, [set_attr(data, root, "id", str(next_table_id[0]))])
    book.put(new_part, data)
    content_type = fresh.content_type(part)
    if content_type:
        book.add_override(new_part, content_type)
    _put_rels(
        book, new_part, [_copied_rel(book, fresh, rel, new_part, renames, next_table_id) for rel in fresh.rels(part)]
    )
    return new_part


def _add_defined_name(book: Book, key: str, sheet_name: str) -> None:
    from xlplugin.report import ownership

    # a sheet deleted by hand leaves its name behind (LibreOffice keeps it as #REF!): it goes,
    # or the workbook would hold the name twice and Excel would repair it
    book.remove_defined_name(ownership.sheet_defined_name(key))
    data = book.current(book.workbook_part)
    root = scan(data)
    prefix = book.main_prefix()
    element = (
        f'<{prefix}definedName name="{ownership.sheet_defined_name(key)}">'
        f"{xml_text(_quoted(sheet_name))}!$A$1</{prefix}definedName>"
    ).encode()
    names = root.find("definedNames")
    if names is not None and not names.empty:
        edit = (names.close_start, names.close_start, element)
    else:
        sheets = root.find("sheets")
        after = next(
            (root.find(n) for n in ("externalReferences", "functionGroups") if root.find(n) is not None), sheets
        )
        block = f"<{prefix}definedNames>".encode() + element + f"</{prefix}definedNames>".encode()
        edit = (names.start, names.end, block) if names is not None else (after.end, after.end, block)
    book.put(book.workbook_part, splice(data, [edit]))
