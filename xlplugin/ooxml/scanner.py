"""The byte-span XML scanner: elements with their offsets in a part, and edits as byte splices.

Why bytes and not a tree: re-serialising a part loses what the object model does not keep
(prefixes, ``mc:Ignorable``, attribute order, unknown extensions). Here a part is scanned once
with expat for element offsets; an edit replaces a byte range, so every untouched byte survives.

An element also knows, from its start tag, where each attribute's value lies (a sequential
tokeniser, quotes respected), so an attribute edit can never land inside another attribute's
value; its qualified name as spelled (``x:sheet``) and its text are read here too, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from xml.parsers import expat

from xlplugin.core.record import NamedTuple
from xlplugin.ooxml.fragments import unescape, xml_attr
from xlplugin.ooxml.malformed import MalformedPart

__all__ = [
    "AttrSpan",
    "Edit",
    "Element",
    "element_bytes",
    "split_name",
    "prefix_for",
    "remove_attr",
    "scan",
    "set_attr",
    "splice",
    "tag_attributes",
]

Edit = tuple[int, int, bytes]
"""Replace data[start:end] by the bytes."""


class AttrSpan(NamedTuple):
    """Where one attribute lies in a start tag: [start, end) from the space before its name; its value."""

    start: int
    value_start: int
    value_end: int

    @property
    def end(self) -> int:
        return self.value_end + 1  # the closing quote


# one attribute after the tag name: whitespace, name, '=', a quoted value (quotes respected)
_ATTRIBUTE = re.compile(rb"""\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TAG_NAME = re.compile(rb"<([^\s/>]+)")


def split_name(name: str) -> tuple[str, str]:
    """A namespace-qualified name -> (namespace URI, local name): ``'{uri}local'`` (an element's, also
    ElementTree's) or ``'uri}local'`` (expat's attribute keys); ``('', name)`` without a namespace."""
    uri, _, local = name.rpartition("}")
    return uri.removeprefix("{"), local


class Element:
    """One element's byte span in a part: [start, end); its start tag ends at `open_end`.

    A plain class with slots, not a dataclass: a large sheet makes one per element, and the
    dataclass machinery cost the xlsx writer's post-pass about 2 ms of start-up to build. Only
    `scan` makes them; it fills in the end, the children and the parent as it meets them."""

    __slots__ = (
        "name",
        "attrs",
        "start",
        "open_end",
        "close_start",
        "end",
        "children",
        "parent",
        "_spans",
        "local",
        "namespace",
    )

    def __init__(
        self, name: str, attrs: dict[str, str], start: int, open_end: int, local: str = "", namespace: str = ""
    ) -> None:
        self.name = name  # namespace-qualified as '{uri}local'
        self.attrs = attrs
        self.start = start
        self.open_end = open_end
        self.close_start = -1  # set by `scan` at the end tag
        self.end = -1
        self.children: list[Element] = []
        self.parent: Element | None = None
        self._spans: dict[str, AttrSpan] | None = None
        if not local:
            namespace, local = split_name(name)
        self.local = local  # split from `name` once: every lookup compares it
        self.namespace = namespace  # '' when it has none

    def __repr__(self) -> str:
        return f"Element({self.name!r}, start={self.start}, end={self.end}, children={len(self.children)})"

    @property
    def empty(self) -> bool:
        """True for a self-closing tag (<x/>)."""
        return self.close_start == self.start

    def matches(self, local: str, ns: str | None = None) -> bool:
        """Is this element `local` (in namespace `ns`, when given)?"""
        return self.local == local and (ns is None or self.namespace == ns)

    def find(self, local: str, ns: str | None = None) -> Element | None:
        return next((c for c in self.children if c.matches(local, ns)), None)

    def require(self, local: str, part: str, ns: str | None = None) -> Element:
        """The first child `local`; MalformedPart naming `part` when there is none."""
        found = self.find(local, ns)
        if found is None:
            raise MalformedPart(part, f"has no <{local}> in <{self.local}>")
        return found

    def findall(self, local: str, ns: str | None = None) -> list[Element]:
        return [c for c in self.children if c.matches(local, ns)]

    def iter(self, local: str | None = None, ns: str | None = None) -> Iterator[Element]:
        if local is None or self.matches(local, ns):
            yield self
        for child in self.children:
            yield from child.iter(local, ns)

    def inner(self, data: bytes) -> bytes:
        return b"" if self.empty else data[self.open_end : self.close_start]

    def qname(self, data: bytes) -> str:
        """The tag as spelled in the part: 'x:sheet' or 'sheet'."""
        match = _TAG_NAME.match(data, self.start)
        return match.group(1).decode("utf-8") if match else self.local

    def prefix(self, data: bytes) -> str:
        """'x:' when the tag is written with a prefix, else ''."""
        qname = self.qname(data)
        return qname[: qname.index(":") + 1] if ":" in qname else ""

    def spans(self, data: bytes) -> dict[str, AttrSpan]:
        """Each attribute of the start tag, by its name as spelled, with the span of its value."""
        if self._spans is None:
            self._spans = _attribute_spans(data, self.start, self.open_end)
        return self._spans

    def spelled(self, data: bytes) -> dict[str, str]:
        """Each attribute's key in `attrs` (``'uri}local'`` when namespaced, as expat resolves it) ->
        its name as spelled in the tag (``'r:id'``): namespace declarations aside, both list the
        attributes in document order."""
        names = [n for n in self.spans(data) if n != "xmlns" and not n.startswith("xmlns:")]
        return dict(zip(self.attrs, names, strict=False))

    def text(self, data: bytes) -> str:
        """The element's character data, unescaped (CDATA sections as they stand), children's included."""
        if self.empty:
            return ""
        pieces: list[str] = []
        pos = self.open_end
        for child in self.children:
            pieces.append(_character_data(data[pos : child.start]))
            pieces.append(child.text(data))
            pos = child.end
        pieces.append(_character_data(data[pos : self.close_start]))
        return "".join(pieces)


def _attribute_spans(data: bytes, start: int, end: int) -> dict[str, AttrSpan]:
    """The attributes of the start tag data[start:end], tokenised in order (quotes respected)."""
    spans: dict[str, AttrSpan] = {}
    name = _TAG_NAME.match(data, start)
    pos = name.end() if name else start + 1
    while True:
        match = _ATTRIBUTE.match(data, pos, end)
        if match is None:
            break
        group = 2 if match.group(2) is not None else 3
        spans[match.group(1).decode("utf-8")] = AttrSpan(match.start(), match.start(group), match.end(group))
        pos = match.end()
    return spans


def tag_attributes(data: bytes, start: int) -> dict[str, str]:
    """The attributes (by name as spelled, values unescaped) of the start tag that begins at `start`.

    For readers that find a few tags in a large part quickly, without scanning it whole: the
    attributes are read by the same tokeniser as `Element.spans`, so a look-alike inside another
    attribute's value is not taken for the attribute.
    """
    spans = _attribute_spans(data, start, _tag_end(data, start))
    return {name: unescape(data[s.value_start : s.value_end].decode("utf-8")) for name, s in spans.items()}


_CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.S)
_MARKUP = re.compile(rb"<!--.*?-->|<\?.*?\?>|<[^>]*>", re.S)


def _character_data(raw: bytes) -> str:
    """Text between tags -> characters: references resolved outside CDATA, CDATA kept verbatim."""
    out: list[str] = []
    last = 0
    for match in _CDATA.finditer(raw):
        out.append(unescape(_MARKUP.sub(b"", raw[last : match.start()]).decode("utf-8")))
        out.append(match.group(1).decode("utf-8"))
        last = match.end()
    out.append(unescape(_MARKUP.sub(b"", raw[last:]).decode("utf-8")))
    return "".join(out)


class _Forbidden(Exception):
    pass


def scan(data: bytes, where: str = "XML", *, stop_at: set[str] | None = None) -> Element:
    """Parse with expat to element byte offsets; DTDs and entity declarations are refused.

    With `stop_at` (local names), children of those elements are not recorded (faster for big
    sheets whose cells we do not need).
    """
    _check_utf8(data, where)
    parser = expat.ParserCreate(namespace_separator="}")
    stack: list[Element] = []
    root_holder: list[Element] = []
    depth_skip = [0]

    def forbid(*_args: object) -> None:
        raise _Forbidden("DTDs and entity declarations are not allowed in a workbook")

    def start(name: str, attrs: dict[str, str]) -> None:
        if depth_skip[0]:
            depth_skip[0] += 1
            return
        pos = parser.CurrentByteIndex
        uri, _, local = name.rpartition("}")  # expat's 'uri}local'
        element = Element("{" + name if uri else name, attrs, pos, _tag_end(data, pos), local=local, namespace=uri)
        if stack:
            element.parent = stack[-1]
            stack[-1].children.append(element)
        else:
            root_holder.append(element)
        stack.append(element)
        if stop_at and element.local in stop_at:
            depth_skip[0] = 1

    def end(name: str) -> None:
        if depth_skip[0] > 1:
            depth_skip[0] -= 1
            return
        pos = parser.CurrentByteIndex
        element = stack.pop()
        if depth_skip[0] == 1:
            depth_skip[0] = 0
            # we skipped the children: locate our own close tag
        if data[element.open_end - 2 : element.open_end] == b"/>":  # <x/>: expat reports it after the tag
            element.close_start = element.start
            element.end = element.open_end
        else:
            element.close_start = pos
            element.end = data.index(b">", pos) + 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.UnparsedEntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid  # type: ignore[assignment]
    try:
        parser.Parse(data, True)
    except _Forbidden as exc:
        raise MalformedPart(where, f"is refused: {exc}") from None
    except (expat.ExpatError, LookupError) as exc:  # LookupError: an encoding Python does not know
        raise MalformedPart(where, f"is not readable XML ({exc})") from None
    if not root_holder:
        raise MalformedPart(where, "is empty")
    return root_holder[0]


_DECLARED_ENCODING = re.compile(rb"\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
_BYTE_OFFSET_ENCODINGS = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}


def _check_utf8(data: bytes, where: str) -> None:
    """Refuse a part in another encoding: `scan`'s byte offsets and text decoding assume UTF-8.

    Excel and LibreOffice always write UTF-8; a UTF-16 or Latin-1 part would be spliced and
    decoded wrongly, so it is refused rather than edited.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise MalformedPart(where, "is encoded as UTF-16; refresh edits only UTF-8 parts, as Excel writes them")
    match = _DECLARED_ENCODING.match(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    if match and match.group(1).strip().lower() not in _BYTE_OFFSET_ENCODINGS:
        shown = match.group(1).decode("ascii", "replace")[:40]
        raise MalformedPart(
            where, f"declares the encoding {shown!r}; refresh edits only UTF-8 parts, as Excel writes them"
        )


def _tag_end(data: bytes, start: int) -> int:
    """The index just past the '>' that closes the start tag at `start` (quotes respected)."""
    i = start
    quote = 0
    n = len(data)
    while i < n:
        c = data[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):
            quote = c
        elif c == 0x3E:
            return i + 1
        i += 1
    raise MalformedPart("an XML part", "has an unterminated tag")


def splice(data: bytes, edits: Iterable[Edit]) -> bytes:
    """Replace byte ranges [start, end) by new bytes; ranges must not overlap."""
    out = []
    last = 0
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < last:
            raise ValueError("overlapping edits")
        out.append(data[last:start])
        out.append(text)
        last = end
    out.append(data[last:])
    return b"".join(out)


def element_bytes(data: bytes, element: Element, edits: Iterable[Edit] = ()) -> bytes:
    """`element`'s own bytes, with `edits` (byte ranges of `data` inside the element) applied."""
    shifted = [(start - element.start, end - element.start, text) for start, end, text in edits]
    return splice(data[element.start : element.end], shifted)


def prefix_for(data: bytes, root: Element, uri: str) -> str | None:
    """The prefix the element declares for `uri` ('' for the default namespace), or None."""
    for name, span in root.spans(data).items():
        declares = name == "xmlns" or name.startswith("xmlns:")
        if declares and unescape(data[span.value_start : span.value_end].decode("utf-8")) == uri:
            return name[len("xmlns:") :] if ":" in name else ""
    return None


def set_attr(data: bytes, element: Element, name: str, value: str) -> Edit:
    """An edit that sets attribute `name` (as spelled in the tag) on `element`'s start tag."""
    escaped = xml_attr(value).encode("utf-8")
    span = element.spans(data).get(name)
    if span is not None:
        return (span.value_start, span.value_end, escaped)
    tag = data[element.start : element.open_end]
    insert_at = element.open_end - (2 if element.empty and tag.endswith(b"/>") else 1)
    return (insert_at, insert_at, b" " + name.encode() + b'="' + escaped + b'"')


def remove_attr(data: bytes, element: Element, name: str) -> Edit | None:
    """An edit that removes attribute `name` (as spelled) from the start tag, or None when absent."""
    span = element.spans(data).get(name)
    return None if span is None else (span.start, span.end, b"")
