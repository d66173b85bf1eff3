"""What refresh needs to know about a workbook package, and the edits every refresh shares.

A `Book` reads ``workbook.xml``, its relationships, the sheets and every table, keeping the raw
bytes of the parts it may edit. Edits are collected as new part bytes in `Book.changes`, made by
splicing text into the original parts (see `xlplugin.ooxml.package.scan`), and written in one go by
`xlplugin.ooxml.package.write_package`.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from xlplugin.core.errors import InputError, Problem
from xlplugin.ooxml.cellref import quote_sheet
from xlplugin.ooxml.cells import read_range
from xlplugin.ooxml.edit import editing
from xlplugin.ooxml.fragments import element, unescape, xml_attr
from xlplugin.ooxml.malformed import MalformedPart, as_index
from xlplugin.ooxml.package import (
    NS_REL,
    Package,
    relative_target,
    unused_part_name,
    unused_rid,
)
from xlplugin.ooxml.scanner import Edit, Element, prefix_for, scan, set_attr, splice
from xlplugin.ooxml.schema import append_child, insert_child

REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
REL_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
REL_CALC_CHAIN = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

#: Characters Excel refuses in a sheet name.
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")
RESERVED_SHEET_NAMES = {"history"}
_SHEET_ID = re.compile(rb"""\bsheetId\s*=\s*["']([0-9]{1,9})["']""")
_NAMED_RID = re.compile(rb"""=\s*["'](rId[0-9]+)["']""")


@dataclass
class Sheet:
    name: str
    sheet_id: int
    rid: str
    part: str | None
    """The sheet's part name as stored (None when its relationship is missing or empty)."""
    kind: str
    """'worksheet', 'chartsheet', 'dialogsheet', 'macrosheet' or '' (unknown)."""
    index: int
    named: str | None = None
    """The part its relationship names (None when it has no internal one), even when missing."""


@dataclass
class Table:
    part: str
    sheet: Sheet
    rid: str
    id: int
    name: str
    display_name: str
    ref: str
    root: Element
    data: bytes


@dataclass
class DefinedName:
    name: str
    local_sheet_id: int | None
    text: str
    element: Element


@dataclass
class Book:
    package: Package
    path: Path
    workbook_part: str
    changes: dict[str, bytes | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.wb_data = self.package.read(self.workbook_part)
        self.wb_root = scan(self.wb_data, self._where(self.workbook_part))
        self.wb_rels = self.package.rels(self.workbook_part)
        rel_by_id = {rel.id: rel for rel in self.wb_rels}
        sheets_el = self.wb_root.find("sheets")
        if sheets_el is None:
            raise InputError(Problem("the workbook has no <sheets> list", str(self.path)))
        self.sheets: list[Sheet] = []
        for index, el in enumerate(sheets_el.findall("sheet")):
            rid = next((v for k, v in el.attrs.items() if k == f"{NS_REL}}}id"), "")
            rel = rel_by_id.get(rid)
            part = self.package.find(rel.part) if rel and rel.part else None
            kind = rel.type.rsplit("/", 1)[-1] if rel else ""
            sheet_id = as_index(el.attrs.get("sheetId")) or 0  # only "max + 1" is ever computed from it
            self.sheets.append(
                Sheet(el.attrs.get("name", ""), sheet_id, rid, part, kind, index, rel.part if rel else None)
            )
        self.defined_names: list[DefinedName] = []
        names_el = self.wb_root.find("definedNames")
        if names_el is not None:
            for el in names_el.findall("definedName"):
                text = self.wb_data[el.open_end : el.close_start].decode("utf-8") if not el.empty else ""
                self.defined_names.append(
                    DefinedName(el.attrs.get("name", ""), as_index(el.attrs.get("localSheetId")), unescape(text), el)
                )
        self.tables: list[Table] = []
        for sheet in self.sheets:
            if sheet.part is None or sheet.kind != "worksheet":
                continue
            for rel in self.package.rels(sheet.part):
                table_part = self.package.find(rel.part) if rel.type == REL_TABLE and rel.part else None
                if table_part is not None:
                    part = table_part
                    data = self.package.read(part)
                    root = scan(data, self._where(part), stop_at={"tableColumns", "autoFilter"})
                    table_id = as_index(root.attrs.get("id")) or 0  # only "max + 1" is ever computed from it
                    self.tables.append(
                        Table(
                            part,
                            sheet,
                            rel.id,
                            table_id,
                            root.attrs.get("name", ""),
                            root.attrs.get("displayName", root.attrs.get("name", "")),
                            root.attrs.get("ref", ""),
                            root,
                            data,
                        )
                    )

    # ---------------------------------------------------------------------------------------
    def _where(self, part: str) -> str:
        """How messages name a part (refresh_table and refresh_workbook add the workbook's file name)."""
        return part

    def current(self, part: str) -> bytes:
        """A part's bytes with this refresh's edits so far."""
        found = self.package.find(part)
        key = found or part
        if key in self.changes:
            data = self.changes[key]
            if data is None:
                raise KeyError(part)
            return data
        return self.package.read(key)

    def put(self, part: str, data: bytes | None) -> None:
        self.changes[self.package.find(part) or part] = data

    def all_part_names(self) -> list[str]:
        return self.package.names() + [n for n in self.changes if not self.package.has(n)]

    def unused_part(self, pattern: str) -> str:
        """A new part name ``pattern.format(n)`` that nothing in the package already claims.

        Not only the parts present: a part a damaged package lost is still the target of its
        relationships, may still have its own ``.rels`` and its content-type override, and a new
        part by that name would inherit them all (an old sheet would show the new one).
        """
        claimed: list[str] = []
        with contextlib.suppress(InputError):  # a damaged [Content_Types].xml is refused where it is edited
            claimed += self.package.content_types()[1]
        for name in self.package.names():
            folder, base = posixpath.split(name)
            if posixpath.basename(folder).lower() != "_rels" or not base.lower().endswith(".rels"):
                continue
            source = posixpath.join(posixpath.dirname(folder), base[: -len(".rels")])
            claimed.append(source)
            with contextlib.suppress(InputError):  # damaged relationships: their part's name is claimed all the same
                claimed += [rel.part for rel in self.package.rels(source) if rel.part]
        return unused_part_name(self.all_part_names(), pattern, claimed)

    def sheet_part(self, sheet: Sheet) -> str:
        """The worksheet part of `sheet`; MalformedPart when workbook.xml names one that is not there."""
        rels = self.package.rels_name(self.workbook_part)
        if sheet.named is None:
            raise MalformedPart(
                rels,
                f"has no relationship {sheet.rid!r} to a part for sheet {sheet.name!r} (named by {self.workbook_part})",
                self.path,
            )
        if sheet.part is None:
            self.package.require(sheet.named, rels)
        if sheet.kind != "worksheet" or sheet.part is None:
            raise MalformedPart(
                rels, f"gives sheet {sheet.name!r} the relationship type {sheet.kind!r}, not a worksheet", self.path
            )
        return sheet.part

    def sheet_named(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name.lower() == name.lower()), None)

    def table_named(self, name: str) -> Table | None:
        return next(
            (t for t in self.tables if t.display_name.lower() == name.lower() or t.name.lower() == name.lower()), None
        )

    def structure_locked(self) -> bool:
        protection = self.wb_root.find("workbookProtection")
        return protection is not None and protection.attrs.get("lockStructure") in ("1", "true")

    def main_prefix(self) -> str:
        """'x:' when the workbook writes its elements prefixed, else ''."""
        return self.wb_root.require("sheets", self.workbook_part).prefix(self.wb_data)

    # ---------------------------------------------------------------------------------------
    # edits shared by every refresh

    def styles_part(self) -> str:
        """The workbook's styles part; MalformedPart when its relationships name none."""
        rels = self.package.rels_name(self.workbook_part)
        for rel in self.wb_rels:
            if rel.type.endswith("/styles") and rel.part:
                return self.package.require(rel.part, rels)
        raise MalformedPart(rels, "names no styles part, which every workbook has", self.path)

    def add_worksheet(self, name: str, sheet_xml: bytes, index: int | None = None) -> tuple[str, Sheet]:
        """Add a worksheet part named `name` at the end of <sheets>, or at tab position `index`;
        returns (part, Sheet)."""
        folder = posixpath.dirname(self.workbook_part)
        part = self.unused_part(posixpath.join(folder, "worksheets", "sheet{}.xml"))
        self.put(part, sheet_xml)
        rid = self.add_relationship(self.workbook_part, REL_WORKSHEET, part)
        # every sheetId the part spells, not only the <sheet>s': a damaged one's id (still named
        # by calcChain.xml) must not be handed to the new sheet
        spelled = [int(m) for m in _SHEET_ID.findall(self.current(self.workbook_part))]
        sheet_id = max([s.sheet_id for s in self.sheets] + spelled, default=0) + 1
        with editing(self, self.workbook_part, self._where(self.workbook_part)) as wb:
            sheets_el = wb.root.require("sheets", self.workbook_part)
            r_prefix = prefix_for(wb.data, wb.root, NS_REL)
            rid_attrs = [(f"{r_prefix}:id", rid)] if r_prefix else [("xmlns:xlpr", NS_REL), ("xlpr:id", rid)]
            fragment = element(
                f"{sheets_el.prefix(wb.data)}sheet", [("name", name), ("sheetId", str(sheet_id)), *rid_attrs]
            )
            wb.add(append_child(wb.data, sheets_el, fragment))
            views = wb.root.find("bookViews")
            for view in views.findall("workbookView") if views is not None else []:
                for attr in ("activeTab", "firstSheet"):
                    value, tab = view.attrs.get(attr), as_index(view.attrs.get(attr))
                    if value is not None and (tab is None or tab >= len(self.sheets)):
                        # a tab past the last sheet (Excel repairs it): the new sheet must not become it
                        wb.add(set_attr(wb.data, view, attr, "0"))
        self.add_override(part, CT_WORKSHEET)
        sheet = Sheet(name, sheet_id, rid, part, "worksheet", len(self.sheets))
        self.sheets.append(sheet)
        if index is not None:
            self.move_sheet(sheet, index)
        self.sync_app_titles()
        return part, sheet

    def remove_sheet(self, sheet: Sheet) -> None:
        """Take `sheet` out of the workbook, keeping every other sheet's references right.

        Sheet-scoped names of later sheets have their ``localSheetId`` lowered, names scoped to
        the sheet go, names that point into it become ``#REF!`` (as Excel does on delete), and
        the active and first visible tab move with their sheets. The sheet's own parts are
        dropped by the caller (see `xlplugin.refresh.report`).
        """
        data = self.current(self.workbook_part)
        root = scan(data, self._where(self.workbook_part))
        index = sheet.index
        edits: list[Edit] = []
        sheet_els = root.require("sheets", self.workbook_part).findall("sheet")
        target = sheet_els[index]  # self.sheets lists these very elements, in order
        edits.append((target.start, target.end, b""))
        names = root.find("definedNames")
        quoted = quote_sheet(sheet.name)
        pattern = re.compile(
            r"(?:"
            + re.escape(quoted)
            + (r"|" + re.escape(sheet.name) if re.fullmatch(r"\w+", sheet.name) else "")
            + r")!\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?"
        )
        if names is not None:
            kept = 0
            for el in names.findall("definedName"):
                local = as_index(el.attrs.get("localSheetId"))
                if local == index:
                    edits.append((el.start, el.end, b""))
                    continue
                kept += 1
                if local is not None and local > index:
                    edits.append(set_attr(data, el, "localSheetId", str(local - 1)))
                if not el.empty:
                    text = el.text(data)
                    new = pattern.sub("#REF!", text)
                    if new != text:
                        edits.append((el.open_end, el.close_start, xml_attr(new).encode("utf-8")))
            if kept == 0:
                edits = [e for e in edits if not (names.start <= e[0] < names.end)]
                edits.append((names.start, names.end, b""))
        views = root.find("bookViews")
        if views is not None:
            for view in views.findall("workbookView"):
                for attr in ("activeTab", "firstSheet"):
                    value = as_index(view.attrs.get(attr))
                    if value is not None and value >= index and value > 0:
                        edits.append(set_attr(data, view, attr, str(value - 1)))
        self.put(self.workbook_part, splice(data, edits))
        self.remove_relationship(self.workbook_part, sheet.rid)
        if sheet.part:
            self.put(sheet.part, None)
            self.remove_override(sheet.part)
        self.sheets.remove(sheet)
        for i, other in enumerate(self.sheets):
            other.index = i
        self.sync_app_titles()

    def move_sheet(self, sheet: Sheet, index: int) -> None:
        """Move `sheet` to position `index` of the tab order.

        Sheet-scoped defined names (``localSheetId``) and the active and first visible tab follow
        their sheets; nothing else in the workbook refers to a sheet by position.
        """
        old = list(self.sheets)
        new = [s for s in old if s is not sheet]
        new.insert(index, sheet)
        if new == old:
            return
        moved = {old.index(s): i for i, s in enumerate(new)}  # old position -> new position
        data = self.current(self.workbook_part)
        root = scan(data, self._where(self.workbook_part))
        els = root.require("sheets", self.workbook_part).findall("sheet")  # self.sheets lists these, in order
        chunk = b"".join(data[els[old.index(s)].start : els[old.index(s)].end] for s in new)
        edits = [(els[0].start, els[-1].end, chunk)]
        names = root.find("definedNames")
        if names is not None:
            for el in names.findall("definedName"):
                local = as_index(el.attrs.get("localSheetId"))
                if local is not None and local in moved and moved[local] != local:
                    edits.append(set_attr(data, el, "localSheetId", str(moved[local])))
        views = root.find("bookViews")
        if views is not None:
            for view in views.findall("workbookView"):
                for attr in ("activeTab", "firstSheet"):
                    value = as_index(view.attrs.get(attr))
                    if value is not None and value in moved and moved[value] != value:
                        edits.append(set_attr(data, view, attr, str(moved[value])))
        self.put(self.workbook_part, splice(data, edits))
        self.sheets = new
        for i, other in enumerate(self.sheets):
            other.index = i
        self.sync_app_titles()

    def remove_defined_name(self, name: str) -> None:
        """Remove every defined name called `name` (case-insensitively)."""
        with editing(self, self.workbook_part, self._where(self.workbook_part)) as wb:
            names = wb.root.find("definedNames")
            if names is None:
                return
            every = names.findall("definedName")
            doomed = [el for el in every if el.attrs.get("name", "").lower() == name.lower()]
            if doomed and len(doomed) == len(every):
                wb.add((names.start, names.end, b""))
            else:
                wb.add(*((el.start, el.end, b"") for el in doomed))
        self.sync_app_titles()

    def add_relationship(self, source: str, rel_type: str, target_part: str) -> str:
        """Add a relationship from `source` to `target_part`; returns its new, unused id."""
        rels_part = self.package.rels_name(source)
        stored = self.package.find(rels_part)
        if stored is not None and stored != rels_part:
            # Excel (and ooxml-check) read a part's relationships at exactly this name: one added
            # to a part stored as XL/_RELS/WORKBOOK.XML.RELS would name nothing
            raise MalformedPart(
                stored, f"is not spelled {rels_part!r}, the name Excel reads relationships from", self.path
            )
        folder = posixpath.dirname(source)
        target = relative_target(folder, target_part)
        try:
            self.current(rels_part)
        except KeyError:
            self.put(
                rels_part,
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                b"</Relationships>",
            )
            self.add_default_rels()
        with editing(self, rels_part, self._where(rels_part)) as rels:
            ids = [el.attrs.get("Id", "") for el in rels.root.findall("Relationship")]
            rid = unused_rid(ids + self._ids_named_in(source))()
            tag = f"{rels.root.prefix(rels.data)}Relationship"
            rels.add(
                append_child(rels.data, rels.root, element(tag, [("Id", rid), ("Type", rel_type), ("Target", target)]))
            )
        return rid

    def _ids_named_in(self, source: str) -> list[str]:
        """The ``rIdN`` values the stored part `source` names in attributes, resolved or not.

        A damaged part may name an id its relationships lack (``<sheet r:id="rId2"/>`` after its
        relationship was lost): a new relationship with that id would make it point at the new
        part too (two sheets on one worksheet), so such ids are never handed out. A part this
        refresh adds names only the ids it is about to be given.
        """
        if not self.package.has(source):
            return []
        return [m.decode("ascii") for m in _NAMED_RID.findall(self.package.read(source))]

    def add_default_rels(self) -> None:
        self.add_default("rels", CT_RELS)

    def add_default(self, extension: str, content_type: str) -> None:
        """A ``<Default>`` content type for parts named ``*.extension``, unless there is one."""
        with editing(self, "[Content_Types].xml") as types:
            defaults = types.root.findall("Default")
            if any(el.attrs.get("Extension", "").lower() == extension.lower() for el in defaults):
                return
            tag = f"{types.root.prefix(types.data)}Default"
            fragment = element(tag, [("Extension", extension), ("ContentType", content_type)])
            types.add(append_child(types.data, types.root, fragment))  # Defaults and Overrides mix in any order

    def add_override(self, part: str, content_type: str) -> None:
        with editing(self, "[Content_Types].xml") as types:
            for el in types.root.findall("Override"):
                if el.attrs.get("PartName", "").lstrip("/").lower() == part.lower():
                    return
            tag = f"{types.root.prefix(types.data)}Override"
            fragment = element(tag, [("PartName", f"/{part}"), ("ContentType", content_type)])
            types.add(append_child(types.data, types.root, fragment))

    def remove_override(self, part: str) -> None:
        with editing(self, "[Content_Types].xml") as types:
            types.add(
                *(
                    (el.start, el.end, b"")
                    for el in types.root.findall("Override")
                    if el.attrs.get("PartName", "").lstrip("/").lower() == part.lower()
                )
            )

    def sync_app_titles(self) -> None:
        """docProps/app.xml's titles: the workbook's worksheets in tab order, and the names it still defines.

        Called by every edit of the sheet list or the defined names (`ooxml.apptitles` is the one
        editor of those titles), so a sheet or name a refresh withdrew is not left named there.
        """
        from xlplugin.ooxml.apptitles import APP_PART, with_named_range_titles, with_worksheet_titles

        app = self.package.find(APP_PART)
        if app is None or self.changes.get(app, b"") is None:
            return
        data = self.current(app)
        where = self._where(app)
        new = with_worksheet_titles(data, [s.name for s in self.sheets if s.kind == "worksheet"], where)
        wb = scan(self.current(self.workbook_part), self._where(self.workbook_part))
        names_el = wb.find("definedNames")
        defined = [
            el.attrs.get("name", "")
            for el in (names_el.findall("definedName") if names_el is not None else [])
            if el.attrs.get("localSheetId") is None
            and el.attrs.get("hidden") not in ("1", "true")
            and not el.attrs.get("name", "").lower().startswith("_xlnm.")
        ]
        new = with_named_range_titles(new, defined, [s.name for s in self.sheets], where)
        if new != data:
            self.put(app, new)

    def drop_calc_chain(self) -> None:
        """Remove calcChain.xml, its relationship and content type: Excel rebuilds it."""
        for rel in self.wb_rels:
            if rel.type == REL_CALC_CHAIN and rel.part and self.package.has(rel.part):
                self.put(rel.part, None)
                self.remove_override(rel.part)
                self.remove_relationship(self.workbook_part, rel.id)

    def remove_relationship(self, source: str, rid: str) -> None:
        rels_part = self.package.rels_name(source)
        with editing(self, rels_part, self._where(rels_part)) as rels:
            rels.add(
                *((el.start, el.end, b"") for el in rels.root.findall("Relationship") if el.attrs.get("Id") == rid)
            )

    def request_full_calculation(self) -> None:
        """``<calcPr fullCalcOnLoad="1"/>``: formulas that read changed cells recalculate on open."""
        with editing(self, self.workbook_part, self._where(self.workbook_part)) as wb:
            calc = wb.root.find("calcPr")
            if calc is not None:
                wb.add(set_attr(wb.data, calc, "fullCalcOnLoad", "1"))
            else:
                fragment = element(f"{self.main_prefix()}calcPr", [("fullCalcOnLoad", "1")])
                wb.add(insert_child(wb.data, wb.root, "calcPr", fragment))


def open_book(package: Package, path: Path) -> Book:
    return Book(package, path, package.main_part())


def validate_sheet_name(name: str, where: str = "--sheet") -> list[Problem]:
    problems = []
    if not name or not name.strip():
        problems.append(Problem("a sheet name cannot be empty", column=where))
    units = len(name.encode("utf-16-le")) // 2  # Excel counts UTF-16 units: an emoji is two
    if units > 31:
        problems.append(Problem(f"sheet name {name!r} is {units} characters; Excel allows at most 31", column=where))
    bad = sorted(set(name) & SHEET_NAME_FORBIDDEN)
    if bad:
        problems.append(
            Problem(f"sheet name {name!r} contains {' '.join(bad)}, which Excel does not allow", column=where)
        )
    if name.startswith("'") or name.endswith("'"):
        problems.append(Problem(f"sheet name {name!r} cannot start or end with an apostrophe", column=where))
    if name.strip().lower() in RESERVED_SHEET_NAMES:
        problems.append(Problem(f"{name!r} is a name Excel reserves for its own sheet", column=where))
    if re.search("[\x00-\x1f]", name):
        problems.append(Problem(f"sheet name {name!r} contains control characters", column=where))
    return problems


#: Names Excel keeps for itself (built-in defined names, the booleans), compared case-insensitively.
RESERVED_NAMES = frozenset(
    {
        "print_area",
        "print_titles",
        "criteria",
        "extract",
        "database",
        "consolidate_area",
        "sheet_title",
        "auto_open",
        "auto_close",
        "auto_activate",
        "auto_deactivate",
        "recorder",
        "_filterdatabase",
        "true",
        "false",
    }
)
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}\d+")
_R1C1_LIKE = re.compile(r"[Rr]\d*[Cc]\d*|[Rr]\d*|[Cc]\d*")


def validate_table_name(name: str, where: str = "--table") -> list[Problem]:
    """Excel's rules for a table (or defined) name."""
    problems = []
    if not name:
        return [Problem("a table name cannot be empty", column=where)]
    if len(name) > 255:
        problems.append(Problem("a table name can be at most 255 characters", column=where))
    first, rest = name[0], name[1:]
    if not (first.isalpha() or first in "_\\"):
        problems.append(Problem(f"table name {name!r} must start with a letter or an underscore", column=where))
    if any(not (ch.isalnum() or ch in "_.") for ch in rest):
        problems.append(
            Problem(
                f"table name {name!r} may contain only letters, digits, underscores and full stops (no spaces)",
                column=where,
            )
        )
    if name.lower() in RESERVED_NAMES or name.lower().startswith(("_xlnm.", "_xlfn.", "_xludf.")):
        problems.append(Problem(f"{name!r} is a name Excel reserves for itself; choose another", column=where))
    if _CELL_LIKE.fullmatch(name) or _R1C1_LIKE.fullmatch(name):
        problems.append(
            Problem(
                f"table name {name!r} looks like a cell reference; Excel would read it as "
                f"one (add a word, e.g. Data_{name})",
                column=where,
            )
        )
    return problems


def table_range(table: Table) -> tuple[int, int, int, int]:
    """The table's (first row, first column, last row, last column); MalformedPart when its ref is not a range."""
    return read_range(table.ref, table.part, "a ref")
