"""The small vocabulary of ODF XML text both ODS parts use: namespaces, escaping, addresses.

Why a module of its own: the spreadsheet (`ods`) and its chart objects (`ods_chart`) write the
same namespaces, escape text the same way and name cells the same way (``'Sheet'.A1``).
"""

from __future__ import annotations

import re

from xlplugin.core.lazyre import lazy
from xlplugin.ooxml.cellref import quote_sheet
from xlplugin.ooxml.fragments import xml_text
from xlplugin.report.model import a1

NAMESPACES = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "chart": "urn:oasis:names:tc:opendocument:xmlns:chart:1.0",
    "of": "urn:oasis:names:tc:opendocument:xmlns:of:1.2",
    "config": "urn:oasis:names:tc:opendocument:xmlns:config:1.0",
    "loext": "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0",
}
NS_ATTRS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())

#: Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF, CR; lone surrogates).
#: (Compiled on first use: the surrogate range makes it the dearest pattern of the ODS writer, and text
#: that `str.isprintable` passes cannot hold any of them: controls, surrogates and non-characters are not printable.)
_NOT_XML = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACES = lazy(r"  +|^ | $")


def esc(text: str) -> str:
    """Text for an XML attribute or element (characters XML cannot hold are dropped; the escaping is
    `xlplugin.ooxml.fragments.xml_text`'s, with the double quote of an attribute)."""
    text = str(text)
    if not text.isprintable():
        text = _NOT_XML.sub("", text)
    return xml_text(text).replace('"', "&quot;")


def _spaced(line: str) -> str:
    """ODF collapses runs of spaces: keep them with <text:s/>."""

    def runs(m: re.Match) -> str:
        n = len(m.group(0))
        if m.start() == 0 or m.end() == len(line):  # a leading or trailing space is dropped too
            return f'<text:s text:c="{n}"/>' if n > 1 else "<text:s/>"
        return " " + (f'<text:s text:c="{n - 1}"/>' if n > 2 else "<text:s/>")

    escaped = esc(line)
    if "  " in escaped or escaped.startswith(" ") or escaped.endswith(" "):  # else _SPACES has nothing to match
        escaped = _SPACES.sub(runs, escaped)
    return escaped.replace("\t", "<text:tab/>")


def paragraphs(text: str, inline: bool = False) -> str:
    """Cell text as <text:p> paragraphs (one per line), or inline content (lines joined by <text:line-break/>)."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if inline:
        return "<text:line-break/>".join(_spaced(line) for line in lines)
    return "".join(f"<text:p>{_spaced(line)}</text:p>" for line in lines)


def cell_address(sheet: str, row: int, col: int, absolute: bool = False) -> str:
    """``'Funnel'.B7`` (0-based row and column), or ``$'Funnel'.$B$7``."""
    if absolute:
        return f"${quote_sheet(sheet)}.{a1(row, col, True)}"
    return f"{quote_sheet(sheet)}.{a1(row, col)}"


def range_address(sheet: str, first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    return f"{cell_address(sheet, first_row, first_col)}:{cell_address(sheet, last_row, last_col)}"
