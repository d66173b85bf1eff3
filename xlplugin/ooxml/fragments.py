"""The small fragment writer: the only XML escaping and unescaping in the package layer.

Why one module: new elements spliced into a part (a sheet entry, a relationship, a cell, a
cell style) were built by f-strings with six different escape helpers; here a fragment is made
from its tag, attributes and text, and every value passes through the same escape (XlsxWriter's
``XMLwriter`` idea).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["element", "unescape", "xml_attr", "xml_text"]


def xml_text(value: str) -> str:
    """Character data escaped for XML text content (a CR as a reference: parsers turn a raw one into LF)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def xml_attr(value: str) -> str:
    """Character data escaped for a double-quoted attribute value (whitespace kept as references)."""
    return xml_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_REFERENCE = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|lt|gt|amp|quot|apos);")


def _resolve(match: re.Match[str]) -> str:
    ref = match.group(1)
    if ref.startswith("#x"):
        return chr(int(ref[2:], 16))
    if ref.startswith("#"):
        return chr(int(ref[1:]))
    return _NAMED[ref]


def unescape(text: str) -> str:
    """XML text or attribute value -> characters: the five entities and character references, in one pass.

    One pass matters: '&amp;lt;' is the text '&lt;', not '<'.
    """
    return _REFERENCE.sub(_resolve, text) if "&" in text else text


def element(tag: str, attrs: Iterable[tuple[str, str]] = (), text: str | None = None, children: bytes = b"") -> bytes:
    """``<tag a="v">text children</tag>``, or ``<tag a="v"/>`` when it has no content; UTF-8 bytes.

    `attrs` keep their order (as the schema's examples and Excel write them); values and text are
    escaped here, `children` are fragments already made.
    """
    start = tag + "".join(f' {name}="{xml_attr(value)}"' for name, value in attrs)
    if text is None and not children:
        return f"<{start}/>".encode()
    body = xml_text(text).encode() if text is not None else b""
    return f"<{start}>".encode() + body + children + f"</{tag}>".encode()
