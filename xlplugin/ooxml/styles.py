"""Bring cell formats from a freshly rendered report into a user's styles.xml, by appending.

Why: report refresh transplants owned sheets from a new rendering, whose ``s="N"`` indices
point into *its* styles.xml; the user's workbook (perhaps re-saved by Excel or LibreOffice) has
its own. `StyleMerger.map(n)` gives the user's index of an equivalent format, appending fonts,
fills, borders, number formats, named cell styles and xfs only when no equal one exists
(compared by content, not by text, since every application writes them differently). Existing
entries are never changed or reordered, so every index already in use keeps its meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xlplugin.ooxml.fragments import element as fragment
from xlplugin.ooxml.malformed import MalformedPart, as_index, read_int
from xlplugin.ooxml.scanner import Element, element_bytes, scan, set_attr, splice
from xlplugin.ooxml.schema import NS_MAIN, append_child, insert_child

SECTIONS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs")


def _canon(data: bytes, element: Element) -> tuple[Any, ...]:
    """An order-insensitive description of an element, for 'the same format' comparisons."""
    attrs = tuple(sorted((k, v) for k, v in element.attrs.items()))
    children = tuple(sorted(_canon(data, child) for child in element.children))
    return (element.local, attrs, children)


class StyleMerger:
    def __init__(self, user: bytes, fresh: bytes, part: str = "styles.xml"):
        """`user` is the workbook's styles part (named `part`, for messages); `fresh` our rendering's."""
        self.user = user
        self.fresh = fresh
        self.part = part
        self.u_root = scan(user, part)
        self.f_root = scan(fresh, "fresh styles.xml")
        self.u_prefix = self.u_root.prefix(user)
        self.appended: dict[str, list[bytes]] = {name: [] for name in SECTIONS}
        self.u_lists = {name: self._children(self.u_root, name) for name in SECTIONS}
        self.f_lists = {name: self._children(self.f_root, name) for name in SECTIONS}
        self.u_keys = {name: [_canon(user, el) for el in self.u_lists[name]] for name in SECTIONS}
        self._cache: dict[tuple[str, int], int] = {}
        self.u_numfmts = {
            el.attrs.get("formatCode"): read_int(el.attrs.get("numFmtId"), part, "a numFmtId")
            for el in self.u_lists["numFmts"]
        }
        self.f_numfmts = {
            int(el.attrs.get("numFmtId", "0")): el.attrs.get("formatCode", "") for el in self.f_lists["numFmts"]
        }

    @staticmethod
    def _children(root: Element, section: str) -> list[Element]:
        el = root.find(section)
        return list(el.children) if el is not None else []

    # ---------------------------------------------------------------------------------------
    def _element_text(self, element: Element, replace: dict[str, str] | None = None) -> bytes:
        """The fresh element's text, with attributes replaced, in the user's namespace."""
        data = self.fresh
        edits = [set_attr(data, element, name, value) for name, value in (replace or {}).items()]
        if self.u_prefix:  # the user's styles are prefixed: declare the default namespace on what we add
            edits.append(set_attr(data, element, "xmlns", NS_MAIN))
        return element_bytes(data, element, edits)

    def _declared(self) -> list[tuple[str, str]]:
        """The namespace declaration an element we make needs in the user's part (none unless it is prefixed)."""
        return [("xmlns", NS_MAIN)] if self.u_prefix else []

    def _find_or_append(self, section: str, fresh_el: Element, replace: dict[str, str] | None = None) -> int:
        text = self._element_text(fresh_el, replace)
        element = scan(text)
        key = _canon(text, element)
        keys = self.u_keys[section]
        if key in keys:
            return keys.index(key)
        keys.append(key)
        self.appended[section].append(text)
        return len(keys) - 1

    def _section_index(self, section: str, fresh_index: int) -> int:
        cache_key = (section, fresh_index)
        if cache_key not in self._cache:
            fresh = self.f_lists[section]
            if fresh_index >= len(fresh):
                self._cache[cache_key] = 0
            else:
                self._cache[cache_key] = self._find_or_append(section, fresh[fresh_index])
        return self._cache[cache_key]

    def _numfmt(self, fresh_id: int) -> int:
        if fresh_id < 164 or fresh_id not in self.f_numfmts:
            return fresh_id
        code = self.f_numfmts[fresh_id]
        if code in self.u_numfmts:
            return self.u_numfmts[code]
        new_id = max([163, *self.u_numfmts.values()]) + 1
        self.u_numfmts[code] = new_id
        attrs = [*self._declared(), ("numFmtId", str(new_id)), ("formatCode", code)]
        self.appended["numFmts"].append(fragment("numFmt", attrs))
        return new_id

    def _named_style(self, fresh_xf_id: int) -> int:
        """The user's cellStyleXfs index for the fresh named style `fresh_xf_id` (by name)."""
        cache_key = ("named", fresh_xf_id)
        if cache_key in self._cache:
            return self._cache[cache_key]
        name = builtin = None
        for el in self.f_lists["cellStyles"]:
            if el.attrs.get("xfId") == str(fresh_xf_id):
                name, builtin = el.attrs.get("name"), el.attrs.get("builtinId")
                break
        result = 0
        if name is not None:
            for el in self.u_lists["cellStyles"]:
                same_builtin = builtin is not None and el.attrs.get("builtinId") == builtin
                if el.attrs.get("name", "").lower() == name.lower() or same_builtin:
                    result = read_int(el.attrs.get("xfId", "0"), self.part, "a cell style xfId")
                    break
            else:
                fresh_xf = self.f_lists["cellStyleXfs"][fresh_xf_id]
                replace = self._components(fresh_xf)
                self.u_keys["cellStyleXfs"].append(("appended", len(self.u_keys["cellStyleXfs"])))
                result = len(self.u_keys["cellStyleXfs"]) - 1
                self.appended["cellStyleXfs"].append(self._element_text(fresh_xf, replace))
                attrs = [*self._declared(), ("name", name), ("xfId", str(result))]
                if builtin is not None:
                    attrs.append(("builtinId", builtin))
                self.appended["cellStyles"].append(fragment("cellStyle", attrs))
        self._cache[cache_key] = result
        return result

    def _components(self, xf: Element) -> dict[str, str]:
        replace = {}
        for attr, section in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
            if attr in xf.attrs:
                replace[attr] = str(self._section_index(section, int(xf.attrs[attr])))
        if "numFmtId" in xf.attrs:
            replace["numFmtId"] = str(self._numfmt(int(xf.attrs["numFmtId"])))
        return replace

    def map(self, fresh_index: int) -> int:
        """The user's cellXfs index equivalent to the fresh one (appended if need be)."""
        cache_key = ("cellXfs", fresh_index)
        if cache_key in self._cache:
            return self._cache[cache_key]
        xfs = self.f_lists["cellXfs"]
        if fresh_index >= len(xfs):
            return 0
        xf = xfs[fresh_index]
        replace = self._components(xf)
        if "xfId" in xf.attrs:
            replace["xfId"] = str(self._named_style(int(xf.attrs["xfId"])))
        result = self._find_or_append("cellXfs", xf, replace)
        self._cache[cache_key] = result
        return result

    # ---------------------------------------------------------------------------------------
    def result(self) -> bytes | None:
        """The user's styles.xml with the appended entries, or None when nothing was added."""
        if not any(self.appended.values()):
            return None
        data = self.user
        root = self.u_root
        edits = []
        for section in SECTIONS:
            added = self.appended[section]
            if not added:
                continue
            el = root.find(section)
            total = len(self.u_lists[section]) + len(added)
            if el is None:
                # a section the user's part leaves out (numFmts, dxfs, cellStyles... are optional): add it in
                # schema order; its first entry is index 0, as the merger counted from an empty list
                if root.empty:
                    raise MalformedPart(self.part, "is an empty <styleSheet/>")
                made = fragment(section, [*self._declared(), ("count", str(len(added)))], children=b"".join(added))
                edits.append(insert_child(data, root, section, made))
                continue
            if el.empty:
                tag = el.qname(data).encode()
                opening = b"<" + tag + f' count="{total}">'.encode()
                edits.append((el.start, el.end, opening + b"".join(added) + b"</" + tag + b">"))
            else:
                if "count" in el.attrs:
                    edits.append(set_attr(data, el, "count", str(total)))
                edits.append((el.close_start, el.close_start, b"".join(added)))
        return splice(data, edits)


#: Built-in cell style ids (ECMA-376 Part 1, 18.8.7): Heading 1..4.
BUILTIN_STYLE_IDS = {"Heading 1": 16, "Heading 2": 17, "Heading 3": 18, "Heading 4": 19}


def add_named_styles(data: bytes, styles: dict[str, int], part: str = "xl/styles.xml") -> bytes:
    """Make each cellXfs index in `styles` (style name -> xf index) use that built-in named style.

    The named style's own xf copies the cell xf's font, with no fill and no border (the
    guidance's restyled heading: automatic colour, no border). One scan of styles.xml for all the
    styles: the count attributes, the cell xfs' `xfId` and the appended children are edits of
    disjoint byte ranges of the same part (a self-closing parent, which XlsxWriter never writes,
    takes a second round, as its start tag and its new children would overlap).
    """
    if not styles:
        return data
    root = scan(data, part)
    prefix = root.prefix(data)
    style_xfs = root.require("cellStyleXfs", part)
    cell_styles = root.require("cellStyles", part)
    cell_xfs = root.require("cellXfs", part).findall("xf")
    first_id = len(style_xfs.findall("xf"))
    new_xfs, entries = [], []
    edits = [
        set_attr(data, style_xfs, "count", str(first_id + len(styles))),
        set_attr(data, cell_styles, "count", str(len(cell_styles.findall("cellStyle")) + len(styles))),
    ]
    for new_id, (name, xf_index) in enumerate(styles.items(), start=first_id):
        target = cell_xfs[xf_index]
        new_xfs.append(
            fragment(
                f"{prefix}xf",
                [
                    ("numFmtId", "0"),
                    ("fontId", target.attrs.get("fontId", "0")),
                    ("fillId", "0"),
                    ("borderId", "0"),
                    ("applyNumberFormat", "0"),
                    ("applyFill", "0"),
                    ("applyBorder", "0"),
                    ("applyAlignment", "0"),
                    ("applyProtection", "0"),
                ],
            )
        )
        entries.append(
            fragment(
                f"{prefix}cellStyle",
                [("name", name), ("xfId", str(new_id)), ("builtinId", str(BUILTIN_STYLE_IDS[name]))],
            )
        )
        edits.append(set_attr(data, target, "xfId", str(new_id)))
    if style_xfs.empty or cell_styles.empty:
        data = splice(data, edits)
        root = scan(data, part)
        style_xfs = root.require("cellStyleXfs", part)
        cell_styles = root.require("cellStyles", part)
        edits = []
    edits.append(append_child(data, style_xfs, b"".join(new_xfs)))
    edits.append(append_child(data, cell_styles, b"".join(entries)))
    return splice(data, edits)


#: The attribute that holds a cellXfs index, by worksheet element.
_STYLED = {"c": "s", "row": "s", "col": "style"}


def restyle(data: bytes, index: Callable[[int], int], where: str = "a worksheet") -> bytes:
    """The worksheet `data` with each cell's and row's ``s`` and each column's ``style`` (cellXfs
    indices) replaced by `index(n)`, e.g. `StyleMerger.map`; every other byte stays."""
    root = scan(data, where, stop_at={"c"})
    edits = []
    for el in root.iter():
        attr = _STYLED.get(el.local) if el.namespace == NS_MAIN else None
        number = as_index(el.attrs.get(attr)) if attr is not None else None
        if attr is not None and number is not None:
            edits.append(set_attr(data, el, attr, str(index(number))))
    return splice(data, edits) if edits else data
