"""Package-level touches for what XlsxWriter cannot write: named heading styles and the language.

The Analysis Function guidance asks for sheet titles in the built-in "Heading 1" cell style
(so screen readers and Excel's navigation treat them as headings) and for the document
language. XlsxWriter has no named cell styles and no `dc:language`, so after it has written
the package we (1) add a cell style xf to `cellStyleXfs`, a `<cellStyle name="Heading 1"
builtinId="16">` to `cellStyles`, and point the title cells' xf at it; (2) add
`<dc:language>` to `docProps/core.xml`. The edits are byte splices made with the OOXML layer
(`xlplugin.ooxml.scanner`, `.fragments`, `.schema`) on the few elements involved; every other
zip entry is copied byte for byte, in the same order with the same dates, so the output stays
reproducible.
"""

from __future__ import annotations

import io
import zipfile

from xlplugin.ooxml.fragments import element
from xlplugin.ooxml.scanner import prefix_for, scan, set_attr, splice
from xlplugin.ooxml.schema import append_child

#: Built-in cell style ids (ECMA-376 Part 1, 18.8.7): Heading 1..4.
BUILTIN_STYLE_IDS = {"Heading 1": 16, "Heading 2": 17, "Heading 3": 18, "Heading 4": 19}

STYLES_PART = "xl/styles.xml"
CORE_PART = "docProps/core.xml"
NS_DC = "http://purl.org/dc/elements/1.1/"


def add_named_styles(data: bytes, styles: dict[str, int]) -> bytes:
    """Make each cellXfs index in `styles` (style name -> xf index) use that built-in named style.

    The named style's own xf copies the cell xf's font, with no fill and no border (the
    guidance's restyled heading: automatic colour, no border). One scan of styles.xml for all the
    styles: the count attributes, the cell xfs' `xfId` and the appended children are edits of
    disjoint byte ranges of the same part (a self-closing parent, which XlsxWriter never writes,
    takes a second round, as its start tag and its new children would overlap).
    """
    if not styles:
        return data
    root = scan(data, STYLES_PART)
    prefix = root.prefix(data)
    style_xfs = root.require("cellStyleXfs", STYLES_PART)
    cell_styles = root.require("cellStyles", STYLES_PART)
    cell_xfs = root.require("cellXfs", STYLES_PART).findall("xf")
    first_id = len(style_xfs.findall("xf"))
    new_xfs, entries = [], []
    edits = [
        set_attr(data, style_xfs, "count", str(first_id + len(styles))),
        set_attr(data, cell_styles, "count", str(len(cell_styles.findall("cellStyle")) + len(styles))),
    ]
    for new_id, (name, xf_index) in enumerate(styles.items(), start=first_id):
        target = cell_xfs[xf_index]
        new_xfs.append(
            element(
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
            element(
                f"{prefix}cellStyle",
                [("name", name), ("xfId", str(new_id)), ("builtinId", str(BUILTIN_STYLE_IDS[name]))],
            )
        )
        edits.append(set_attr(data, target, "xfId", str(new_id)))
    if style_xfs.empty or cell_styles.empty:
        data = splice(data, edits)
        root = scan(data, STYLES_PART)
        style_xfs = root.require("cellStyleXfs", STYLES_PART)
        cell_styles = root.require("cellStyles", STYLES_PART)
        edits = []
    edits.append(append_child(data, style_xfs, b"".join(new_xfs)))
    edits.append(append_child(data, cell_styles, b"".join(entries)))
    return splice(data, edits)


def add_language(data: bytes, language: str) -> bytes:
    """Add (or replace) `<dc:language>` in docProps/core.xml."""
    root = scan(data, CORE_PART)
    existing = root.find("language", NS_DC)
    if existing is not None:
        fragment = element(existing.qname(data), text=language)
        return splice(data, [(existing.start, existing.end, fragment)])
    dc = prefix_for(data, root, NS_DC)
    if dc is None:
        fragment = element("dc:language", [("xmlns:dc", NS_DC)], text=language)
    else:
        fragment = element(f"{dc}:language" if dc else "language", text=language)
    return splice(data, [append_child(data, root, fragment)])


def apply(package: bytes, *, styles: dict[str, int], language: str) -> bytes:
    """Rewrite the XlsxWriter package with named heading styles and the document language."""
    src = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == STYLES_PART:
                data = add_named_styles(data, styles)
            elif info.filename == CORE_PART:
                data = add_language(data, language)
            new = zipfile.ZipInfo(info.filename, info.date_time)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = info.external_attr
            new.create_system = info.create_system
            dst.writestr(new, data)
    return out.getvalue()
