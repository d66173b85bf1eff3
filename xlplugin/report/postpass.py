"""Package-level touches for what XlsxWriter cannot write: named heading styles and the language.

The Analysis Function guidance asks for sheet titles in the built-in "Heading 1" cell style
(so screen readers and Excel's navigation treat them as headings) and for the document
language. XlsxWriter has no named cell styles and no `dc:language`, so after it has written
the package we (1) add a cell style xf to `cellStyleXfs`, a `<cellStyle name="Heading 1"
builtinId="16">` to `cellStyles`, and point the title cells' xf at it; (2) add
`<dc:language>` to `docProps/core.xml`. Edits are textual on the few elements involved;
every other zip entry is copied byte for byte, in the same order with the same dates, so the
output stays reproducible.
"""

from __future__ import annotations

import io
import re
import zipfile


def escape(text: str) -> str:
    """XML text escaping (xml.sax.saxutils would import urllib.request, ssl and email: 100 ms)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: Built-in cell style ids (ECMA-376 Part 1, 18.8.7): Heading 1..4.
BUILTIN_STYLE_IDS = {"Heading 1": 16, "Heading 2": 17, "Heading 3": 18, "Heading 4": 19}

_XF = re.compile(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)


def _section(xml: str, tag: str) -> re.Match:
    m = re.search(rf"<{tag} count=\"(\d+)\">(.*?)</{tag}>", xml, re.S)
    if not m:
        raise ValueError(f"styles.xml has no <{tag}>")
    return m


def add_named_styles(styles_xml: str, styles: dict[str, int]) -> str:
    """Make each cellXfs index in `styles` (style name -> xf index) use that built-in named style.

    The named style's own xf copies the cell xf's font, with no fill and no border (the
    guidance's restyled heading: automatic colour, no border).
    """
    for name, xf_index in styles.items():
        cell_xfs = _section(styles_xml, "cellXfs")
        xfs = _XF.findall(cell_xfs.group(2))
        target = xfs[xf_index]
        font_id = re.search(r'fontId="(\d+)"', target).group(1)
        style_xfs = _section(styles_xml, "cellStyleXfs")
        new_style_xf_id = int(style_xfs.group(1))
        style_xf = (
            f'<xf numFmtId="0" fontId="{font_id}" fillId="0" borderId="0" applyNumberFormat="0" '
            'applyFill="0" applyBorder="0" applyAlignment="0" applyProtection="0"/>'
        )
        body = style_xfs.group(2) + style_xf
        styles_xml = (
            styles_xml[: style_xfs.start()]
            + f'<cellStyleXfs count="{new_style_xf_id + 1}">{body}</cellStyleXfs>'
            + styles_xml[style_xfs.end() :]
        )
        cell_xfs = _section(styles_xml, "cellXfs")
        xfs = _XF.findall(cell_xfs.group(2))
        new_target = re.sub(r'xfId="\d+"', f'xfId="{new_style_xf_id}"', xfs[xf_index], count=1)
        xfs[xf_index] = new_target
        styles_xml = (
            styles_xml[: cell_xfs.start()]
            + f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            + styles_xml[cell_xfs.end() :]
        )
        cell_styles = _section(styles_xml, "cellStyles")
        entry = f'<cellStyle name="{escape(name)}" xfId="{new_style_xf_id}" builtinId="{BUILTIN_STYLE_IDS[name]}"/>'
        styles_xml = (
            styles_xml[: cell_styles.start()]
            + f'<cellStyles count="{int(cell_styles.group(1)) + 1}">{cell_styles.group(2)}{entry}</cellStyles>'
            + styles_xml[cell_styles.end() :]
        )
    return styles_xml


def add_language(core_xml: str, language: str) -> str:
    """Add (or replace) `<dc:language>` in docProps/core.xml."""
    element = f"<dc:language>{escape(language)}</dc:language>"
    if "<dc:language>" in core_xml:
        return re.sub(r"<dc:language>.*?</dc:language>", element, core_xml, flags=re.S)
    return core_xml.replace("</cp:coreProperties>", element + "</cp:coreProperties>", 1)


def apply(package: bytes, *, styles: dict[str, int], language: str) -> bytes:
    """Rewrite the XlsxWriter package with named heading styles and the document language."""
    src = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = add_named_styles(data.decode("utf-8"), styles).encode("utf-8")
            elif info.filename == "docProps/core.xml":
                data = add_language(data.decode("utf-8"), language).encode("utf-8")
            new = zipfile.ZipInfo(info.filename, info.date_time)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = info.external_attr
            new.create_system = info.create_system
            dst.writestr(new, data)
    return out.getvalue()
