"""The OOXML editing layer's specification, table-driven over fragments that trip up text editing.

Each row is a fragment as some application might write it; the layer must find the right
element, read its attribute spans, name and text, and make edits that change only the bytes
meant (prefixes, other attributes, CDATA and character references survive by construction).
"""

from __future__ import annotations

import pytest
from defusedxml import ElementTree as SafeET

from xlplugin.core.errors import InputError
from xlplugin.ooxml.cells import inline_string, merge_rows, string_text
from xlplugin.ooxml.edit import editing
from xlplugin.ooxml.fragments import element, unescape, xml_attr, xml_text
from xlplugin.ooxml.scanner import (
    element_bytes,
    prefix_for,
    remove_attr,
    scan,
    set_attr,
    splice,
    split_name,
    tag_attributes,
)
from xlplugin.ooxml.schema import CHILD_ORDER, append_child, insert_child
from xlplugin.ooxml.styles import StyleMerger, restyle

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

# --------------------------------------------------------------------------------------------
# set_attr / remove_attr: (fragment, element local name, attribute, new value, expected part)

ATTRIBUTE_EDITS = [
    # the review's bug: another attribute's value holds a look-alike of the one edited (the old
    # regex edited s="3" inside title='...' in the second row)
    (
        '<a><definedName comment=" localSheetId=&quot;1&quot;" localSheetId="2">x</definedName></a>',
        "definedName",
        "localSheetId",
        "1",
        '<a><definedName comment=" localSheetId=&quot;1&quot;" localSheetId="1">x</definedName></a>',
    ),
    (
        '<a><c title=\' s="3"\' s="4"/></a>',
        "c",
        "s",
        "7",
        '<a><c title=\' s="3"\' s="7"/></a>',
    ),
    # the look-alike only: the attribute is added, the other value is untouched
    (
        '<a><c note=" r=&quot;B2&quot;"/></a>',
        "c",
        "r",
        "A1",
        '<a><c note=" r=&quot;B2&quot;" r="A1"/></a>',
    ),
    # a longer name ending in the edited one (idx vs fooidx) is not it
    ('<a><c fooidx="9" idx="1"/></a>', "c", "idx", "2", '<a><c fooidx="9" idx="2"/></a>'),
    # single quotes, whitespace around '=', a newline between attributes
    ("<a><v x = '1'\n   y=\"2\"/></a>", "v", "x", "3", "<a><v x = '3'\n   y=\"2\"/></a>"),
    # prefixed elements and a prefixed attribute (as spelled)
    (
        f'<x:a xmlns:x="{MAIN}" xmlns:r="{REL}"><x:sheet name="S" r:id="rId1"/></x:a>',
        "sheet",
        "r:id",
        "rId9",
        f'<x:a xmlns:x="{MAIN}" xmlns:r="{REL}"><x:sheet name="S" r:id="rId9"/></x:a>',
    ),
    # a value needing escapes
    ('<a><b t="1"/></a>', "b", "t", 'a<"b"&\n', '<a><b t="a&lt;&quot;b&quot;&amp;&#10;"/></a>'),
    # an empty element written open/close gets the attribute in its start tag
    ("<a><b></b></a>", "b", "k", "v", '<a><b k="v"></b></a>'),
]


@pytest.mark.parametrize("fragment, local, name, value, expected", ATTRIBUTE_EDITS)
def test_set_attr_edits_only_the_attribute(fragment, local, name, value, expected):
    data = fragment.encode()
    target = next(scan(data).iter(local))
    out = splice(data, [set_attr(data, target, name, value)])
    assert out.decode() == expected
    SafeET.fromstring(out)  # still well-formed


@pytest.mark.parametrize(
    "fragment, local, name, expected",
    [
        (
            '<a><d comment=" hidden=&quot;1&quot;" hidden="1"/></a>',
            "d",
            "hidden",
            '<a><d comment=" hidden=&quot;1&quot;"/></a>',
        ),
        ('<a><d comment=" hidden=&quot;1&quot;"/></a>', "d", "hidden", None),
        # the old regex removed ` hidden="1"` from inside the single-quoted comment
        ("<a><d comment=' hidden=\"1\"'/></a>", "d", "hidden", None),
        ("<a><d  a='1'  b='2'/></a>", "d", "a", "<a><d  b='2'/></a>"),
    ],
)
def test_remove_attr(fragment, local, name, expected):
    data = fragment.encode()
    target = next(scan(data).iter(local))
    edit = remove_attr(data, target, name)
    if expected is None:
        assert edit is None
    else:
        assert edit is not None and splice(data, [edit]).decode() == expected


# --------------------------------------------------------------------------------------------
# names, namespaces and text: (fragment, local, namespace, qualified name, prefix, text)

READINGS = [
    (f'<x:sst xmlns:x="{MAIN}"><x:si><x:t>a</x:t></x:si></x:sst>', "t", MAIN, "x:t", "x:", "a"),
    (f'<sst xmlns="{MAIN}"><si><t>a &amp; b &lt; c</t></si></sst>', "t", MAIN, "t", "", "a & b < c"),
    # character references, decimal and hex; '&amp;lt;' is the text '&lt;', not '<'
    ("<a><t>&#65;&#x42;&amp;lt;</t></a>", "t", "", "t", "", "AB&lt;"),
    # CDATA is kept verbatim: no reference inside it is resolved
    ("<a><t>x<![CDATA[<b>&amp;]]>y</t></a>", "t", "", "t", "", "x<b>&amp;y"),
    # self-closing and empty elements have no text
    ("<a><t/></a>", "t", "", "t", "", ""),
    ("<a><t></t></a>", "t", "", "t", "", ""),
    # an element's text includes its children's, in document order
    ("<a><is><r><t>one </t></r><r><t>two</t></r></is></a>", "is", "", "is", "", "one two"),
    # a comment inside text is not text
    ("<a><t>a<!-- no -->b</t></a>", "t", "", "t", "", "ab"),
    # a default namespace redeclared on a child holds for its descendants
    ('<a xmlns="urn:a"><b xmlns="urn:b"><t>x</t></b></a>', "t", "urn:b", "t", "", "x"),
    # inside mc:AlternateContent, the choice's element is itself, with its own prefix
    (
        f'<a xmlns:mc="{MC}" xmlns:x="{MAIN}"><mc:AlternateContent><mc:Choice Requires="x14"><x:t>c</x:t>'
        "</mc:Choice><mc:Fallback><x:t>f</x:t></mc:Fallback></mc:AlternateContent></a>",
        "t",
        MAIN,
        "x:t",
        "x:",
        "c",
    ),
]


@pytest.mark.parametrize("fragment, local, ns, qname, prefix, text", READINGS)
def test_qualified_name_namespace_and_text(fragment, local, ns, qname, prefix, text):
    data = fragment.encode()
    found = next(scan(data).iter(local))
    assert found.namespace == ns
    assert found.qname(data) == qname
    assert found.prefix(data) == prefix
    assert found.text(data) == text
    parsed = SafeET.fromstring(data)  # the same text as a real XML parser reads
    same = next(parsed.iter(f"{{{ns}}}{local}" if ns else local))
    assert "".join(same.itertext()) == text


def test_namespace_aware_lookup():
    """A look-alike local name in another namespace is not the element asked for."""
    data = (f'<x:worksheet xmlns:x="{MAIN}" xmlns:o="urn:other"><o:sheetData/><x:sheetData/></x:worksheet>').encode()
    root = scan(data)
    assert root.find("sheetData") is not None and root.find("sheetData").qname(data) == "o:sheetData"
    assert root.find("sheetData", MAIN).qname(data) == "x:sheetData"
    assert [e.qname(data) for e in root.findall("sheetData", MAIN)] == ["x:sheetData"]
    assert [e.qname(data) for e in root.iter("sheetData", "urn:other")] == ["o:sheetData"]
    with pytest.raises(InputError, match="has no <cols>"):
        root.require("cols", "xl/worksheets/sheet1.xml")


@pytest.mark.parametrize(
    "root_tag, uri, expected",
    [
        (f'<a xmlns="{MAIN}" xmlns:r="{REL}">', REL, "r"),
        (f'<a xmlns="{MAIN}" xmlns:r="{REL}">', MAIN, ""),
        (f"<x:a xmlns:x='{MAIN}'>", REL, None),
        # a value that merely mentions the URI is not a declaration of it
        (f'<a title="xmlns:r=&quot;{REL}&quot;">', REL, None),
    ],
)
def test_prefix_for(root_tag, uri, expected):
    data = (root_tag + "</" + root_tag[1:].split()[0].rstrip(">") + ">").encode()
    assert prefix_for(data, scan(data), uri) == expected


# --------------------------------------------------------------------------------------------
# schema order and mc:AlternateContent


def _children(data: bytes) -> list[str]:
    return [c.qname(data) for c in scan(data).children]


@pytest.mark.parametrize(
    "fragment, local, expected",
    [
        # calcPr goes after definedNames, before extLst
        (
            f'<workbook xmlns="{MAIN}"><sheets/><definedNames/><extLst/></workbook>',
            "calcPr",
            ["sheets", "definedNames", "calcPr", "extLst"],
        ),
        (f'<workbook xmlns="{MAIN}"><sheets/></workbook>', "calcPr", ["sheets", "calcPr"]),
        # a prefixed worksheet; a vendor's unknown child is passed over
        (
            f'<x:worksheet xmlns:x="{MAIN}" xmlns:v="urn:v"><x:sheetData/><v:own/><x:tableParts/></x:worksheet>',
            "drawing",
            ["x:sheetData", "v:own", "drawing", "x:tableParts"],
        ),
        # an mc:AlternateContent stands where its choice's element stands (here: legacyDrawing)
        (
            f'<worksheet xmlns="{MAIN}" xmlns:mc="{MC}"><sheetData/>'
            f'<mc:AlternateContent><mc:Choice Requires="x14"><legacyDrawing/></mc:Choice>'
            "<mc:Fallback><legacyDrawing/></mc:Fallback></mc:AlternateContent></worksheet>",
            "drawing",
            ["sheetData", "drawing", "mc:AlternateContent"],
        ),
    ],
)
def test_insert_child_in_schema_order(fragment, local, expected):
    data = fragment.encode()
    out = splice(data, [insert_child(data, scan(data), local, element(local))])
    assert _children(out) == expected
    SafeET.fromstring(out)


def test_insert_child_refuses_what_the_schema_does_not_allow_and_appends_to_a_self_closing_parent():
    data = f'<workbook xmlns="{MAIN}"/>'.encode()
    with pytest.raises(ValueError, match="not a child of <workbook>"):
        insert_child(data, scan(data), "sheetData", b"<sheetData/>")
    out = splice(data, [insert_child(data, scan(data), "sheets", b"<sheets/>")])
    assert out.decode() == f'<workbook xmlns="{MAIN}"><sheets/></workbook>'
    prefixed = b'<x:Relationships xmlns:x="urn:r" />'
    out = splice(prefixed, [append_child(prefixed, scan(prefixed), b"<x:R/>")])
    assert out.decode() == '<x:Relationships xmlns:x="urn:r"><x:R/></x:Relationships>'
    assert set(CHILD_ORDER) >= {"workbook", "worksheet", "styleSheet", "table"}


# --------------------------------------------------------------------------------------------
# the fragment writer and the edit helper


@pytest.mark.parametrize(
    "text", ["plain", "a & b", "<tag>", "quote \" and apostrophe '", "tab\tnew\nline\rcr", "&amp; already", "é ✓"]
)
def test_escape_round_trip(text):
    assert unescape(xml_attr(text)) == text
    assert unescape(xml_text(text)) == text
    parsed = SafeET.fromstring(element("v", [("a", text)], text=text))
    assert parsed.get("a") == text and parsed.text == text


def test_element_writer():
    assert element("x:c", [("r", "A1"), ("t", "inlineStr")]) == b'<x:c r="A1" t="inlineStr"/>'
    assert element("t", text="") == b"<t></t>"
    assert element("is", children=b"<t>a</t>") == b"<is><t>a</t></is>"
    assert element("t", text="=1+1") == b"<t>=1+1</t>"  # text stays text: no formula is ever made here


class _Store:
    def __init__(self, parts: dict[str, bytes]):
        self.parts = parts
        self.puts: list[str] = []

    def current(self, part: str) -> bytes:
        return self.parts[part]

    def put(self, part: str, data: bytes | None) -> None:
        self.puts.append(part)
        assert data is not None
        self.parts[part] = data


def test_editing_puts_back_only_when_something_changed():
    store = _Store({"p.xml": b'<a><b v="1"/></a>'})
    with editing(store, "p.xml") as edit:
        pass
    assert store.puts == []
    with editing(store, "p.xml") as edit:
        edit.add(set_attr(edit.data, edit.root.require("b", "p.xml"), "v", "2"), None)
    assert store.puts == ["p.xml"] and store.parts["p.xml"] == b'<a><b v="2"/></a>'
    with pytest.raises(RuntimeError), editing(store, "p.xml") as edit:
        edit.add(set_attr(edit.data, edit.root.require("b", "p.xml"), "v", "3"))
        raise RuntimeError("a failure half-way")
    assert store.parts["p.xml"] == b'<a><b v="2"/></a>'  # nothing put on failure


# --------------------------------------------------------------------------------------------
# the layer's callers: merging cells into rows (refresh_table and report refresh) and restyling
# (report refresh and the starter), over the same tricky fragments

W = f'<worksheet xmlns="{MAIN}">'
XW = f'<x:worksheet xmlns:x="{MAIN}">'

MERGE_ROWS = [
    # a new cell joins its row in column order; the row's spans (a load hint) goes, r stays
    (
        W + '<sheetData><row r="1" spans="1:3" ht="20"><c r="A1"><v>1</v></c><c r="C1"><v>3</v></c></row>'
        "</sheetData></worksheet>",
        {1: [(2, b'<c r="B1"><v>2</v></c>')]},
        W + '<sheetData><row r="1" ht="20"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><v>3</v></c>'
        "</row></sheetData></worksheet>",
    ),
    # prefixed: a missing row goes before the first later row, a self-closing row is opened, a row
    # after every other is appended; each is written with the prefix <sheetData> has
    (
        XW + '<x:sheetData><x:row r="2"/></x:sheetData></x:worksheet>',
        {5: [(1, b'<x:c r="A5"/>')], 1: [(1, b'<x:c r="A1"/>')], 2: [(2, b'<x:c r="B2"/>')]},
        XW + '<x:sheetData><x:row r="1"><x:c r="A1"/></x:row><x:row r="2"><x:c r="B2"/></x:row>'
        '<x:row r="5"><x:c r="A5"/></x:row></x:sheetData></x:worksheet>',
    ),
    # an empty, self-closing <sheetData/> gets its rows
    (
        XW + "<x:sheetData/></x:worksheet>",
        {3: [(1, b'<x:c r="A3"/>')], 4: [(2, b'<x:c r="B4"/>')]},
        XW + '<x:sheetData><x:row r="3"><x:c r="A3"/></x:row><x:row r="4"><x:c r="B4"/></x:row></x:sheetData>'
        "</x:worksheet>",
    ),
    # another attribute's value holding a look-alike of spans="..." is left alone
    (
        W + '<sheetData><row r="1" note=\' spans="1:1"\' spans="1:2"/></sheetData></worksheet>',
        {1: [(1, b'<c r="A1"/>')]},
        W + '<sheetData><row r="1" note=\' spans="1:1"\'><c r="A1"/></row></sheetData></worksheet>',
    ),
    # a kept cell written without r is given its reference (the merged order needs it)
    (
        W + '<sheetData><row r="4"><c t="b"><v>1</v></c></row></sheetData></worksheet>',
        {4: [(3, b'<c r="C4"/>')]},
        W + '<sheetData><row r="4"><c t="b" r="A4"><v>1</v></c><c r="C4"/></row></sheetData></worksheet>',
    ),
    # CDATA and character references in a kept cell are its bytes, untouched (no <row> is seen in CDATA)
    (
        W + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[</row><row r="9">]]>&#60;&amp;</t>'
        "</is></c></row></sheetData></worksheet>",
        {1: [(2, b'<c r="B1"/>')]},
        W + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[</row><row r="9">]]>&#60;&amp;</t>'
        '</is></c><c r="B1"/></row></sheetData></worksheet>',
    ),
]


@pytest.mark.parametrize("fragment, cells, expected", MERGE_ROWS)
def test_merge_rows(fragment, cells, expected):
    data = fragment.encode()
    sheet_data = scan(data).require("sheetData", "sheet.xml")
    out = splice(data, merge_rows(data, sheet_data, cells, "sheet.xml"))
    assert out.decode() == expected
    SafeET.fromstring(out)


def test_merge_rows_drops_what_is_replaced_and_rewrites_the_rows_it_is_asked_to():
    data = (W + '<sheetData><row r="1" spans="1:2"><c r="A1"/><c r="B1"/></row><row r="2" spans="1:1"><c r="A2"/>'
            '</row><row r="3" spans="1:1"/></sheetData></worksheet>').encode()  # fmt: skip
    sheet_data = scan(data).require("sheetData", "sheet.xml")
    edits = merge_rows(data, sheet_data, {1: [(2, b'<c r="B1" s="1"/>')]}, "s", drop=lambda r, c: c == 2, also={2})
    assert splice(data, edits).decode() == (
        W + '<sheetData><row r="1"><c r="A1"/><c r="B1" s="1"/></row><row r="2"><c r="A2"/></row>'
        '<row r="3" spans="1:1"/></sheetData></worksheet>'
    )


@pytest.mark.parametrize(
    "fragment, message",
    [
        (W + '<sheetData><row r="2"/><row r="1"/></sheetData></worksheet>', "row 1 after row 2"),
        (W + '<sheetData><row r="x"/></sheetData></worksheet>', "row numbered 'x'"),
        (W + '<sheetData><row r="1"><c r="A2"/></row></sheetData></worksheet>', "cell A2 inside row 1"),
    ],
)
def test_merge_rows_refuses_rows_it_cannot_place(fragment, message):
    data = fragment.encode()
    sheet_data = scan(data).require("sheetData", "sheet.xml")
    with pytest.raises(InputError, match=message):
        merge_rows(data, sheet_data, {1: [(1, b'<c r="A1"/>')]}, "sheet.xml")


RESTYLES = [
    # cells and rows by s, columns by style; a cell without s is left as it is
    (
        W + '<cols><col min="1" max="1" style="2"/></cols><sheetData><row r="1" s="1" customFormat="1">'
        '<c r="A1" s="3"><v>1</v></c><c r="B1"/></row></sheetData></worksheet>',
        W + '<cols><col min="1" max="1" style="12"/></cols><sheetData><row r="1" s="11" customFormat="1">'
        '<c r="A1" s="13"><v>1</v></c><c r="B1"/></row></sheetData></worksheet>',
    ),
    # a look-alike inside another attribute's value is not the style
    (
        W + '<sheetData><row r="1"><c r="A1" note=\' s="3"\' s="4"/></row></sheetData></worksheet>',
        W + '<sheetData><row r="1"><c r="A1" note=\' s="3"\' s="14"/></row></sheetData></worksheet>',
    ),
    # prefixed elements are the same elements
    (
        XW + '<x:sheetData><x:row r="1"><x:c r="A1" s="0"/></x:row></x:sheetData></x:worksheet>',
        XW + '<x:sheetData><x:row r="1"><x:c r="A1" s="10"/></x:row></x:sheetData></x:worksheet>',
    ),
    # an element named c in another namespace (an extension's) is not a cell
    (
        f'<worksheet xmlns="{MAIN}" xmlns:o="urn:o"><sheetData/><extLst><ext><o:c s="2"/></ext></extLst></worksheet>',
        f'<worksheet xmlns="{MAIN}" xmlns:o="urn:o"><sheetData/><extLst><ext><o:c s="2"/></ext></extLst></worksheet>',
    ),
]


@pytest.mark.parametrize("fragment, expected", RESTYLES)
def test_restyle_maps_only_style_indices(fragment, expected):
    assert restyle(fragment.encode(), lambda n: n + 10).decode() == expected


def test_element_bytes_applies_edits_inside_one_element():
    data = b'<a><b x="1"><c/></b><d/></a>'
    b = scan(data).require("b", "p")
    assert element_bytes(data, b) == b'<b x="1"><c/></b>'
    assert element_bytes(data, b, [set_attr(data, b, "x", "2"), set_attr(data, b, "y", "&")]) == (
        b'<b x="2" y="&amp;"><c/></b>'
    )


def test_style_merger_writes_into_prefixed_styles_in_schema_order():
    user = (
        f'<x:styleSheet xmlns:x="{MAIN}"><x:fonts count="1"><x:font><x:sz val="11"/></x:font></x:fonts>'
        '<x:fills count="1"><x:fill/></x:fills><x:borders count="1"><x:border/></x:borders>'
        '<x:cellXfs count="1"><x:xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></x:cellXfs></x:styleSheet>'
    ).encode()
    fresh = (
        f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/></font><font><b/><sz val="11"/></font></fonts>'
        '<fills count="1"><fill/></fills><borders count="1"><border/></borders><cellXfs count="2">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/><xf numFmtId="164" fontId="1" fillId="0" borderId="0"/>'
        "</cellXfs></styleSheet>"
    ).encode()
    merger = StyleMerger(user, fresh)
    assert (merger.map(0), merger.map(1), merger.map(1)) == (0, 1, 1)
    result = merger.result()
    assert result is not None
    root = SafeET.fromstring(result)
    q = f"{{{MAIN}}}"
    assert [child.tag for child in root] == [q + "numFmts", q + "fonts", q + "fills", q + "borders", q + "cellXfs"]
    assert root.find(q + "numFmts/" + q + "numFmt").attrib == {"numFmtId": "164", "formatCode": "0.0%"}
    assert root.find(q + "fonts").get("count") == "2" and root.find(q + "cellXfs").get("count") == "2"
    assert root.findall(q + "cellXfs/" + q + "xf")[1].attrib == {
        "numFmtId": "164",
        "fontId": "1",
        "fillId": "0",
        "borderId": "0",
    }
    assert result.startswith(user[: user.index(b"<x:fonts")])  # the user's bytes before the insertion stay


@pytest.mark.parametrize(
    "fragment, expected",
    [
        (f'<si xmlns="{MAIN}"><t>plain</t></si>', "plain"),
        # rich text runs in order; the phonetic guide (<rPh>) is not the text
        (
            f'<si xmlns="{MAIN}"><r><rPr><b/></rPr><t>bold </t></r><r><t xml:space="preserve">and</t></r>'
            "<rPh sb='0' eb='1'><t>ふりがな</t></rPh></si>",
            "bold and",
        ),
        # prefixed, with character references and a CDATA section (kept verbatim)
        (f'<x:is xmlns:x="{MAIN}"><x:t>&#60;&amp;<![CDATA[&amp;<x>]]></x:t></x:is>', "<&&amp;<x>"),
        # Excel's _xHHHH_ escapes are resolved after the XML ones
        (f'<si xmlns="{MAIN}"><t>a_x000D_b</t></si>', "a\rb"),
        (f'<si xmlns="{MAIN}"><t/></si>', ""),
    ],
)
def test_string_text(fragment, expected):
    data = fragment.encode()
    assert string_text(data, scan(data)) == expected


def test_inline_string_keeps_spaces_and_escapes():
    assert inline_string(" a<b ", "x:") == b'<x:is><x:t xml:space="preserve"> a&lt;b </x:t></x:is>'
    assert inline_string("=1+1") == b"<is><t>=1+1</t></is>"  # text, never a formula


def test_spelled_pairs_each_resolved_attribute_with_its_name_as_written():
    """A drawing names its parts by r:embed, r:id... under whatever prefix it declared (here q:)."""
    data = (
        f'<a xmlns:q="{REL}" xmlns:o="urn:o"><pic o:embed="x" q:embed="rId2" title=\' q:embed="rId9"\'/></a>'
    ).encode()
    pic = scan(data).require("pic", "drawing.xml")
    assert pic.spelled(data) == {"urn:o}embed": "o:embed", f"{REL}}}embed": "q:embed", "title": "title"}
    assert pic.attrs[f"{REL}}}embed"] == "rId2"
    out = splice(data, [set_attr(data, pic, pic.spelled(data)[f"{REL}}}embed"], "xlpkeep1")])
    assert b'q:embed="xlpkeep1"' in out and b'q:embed="rId9"\'' in out  # the look-alike in title stays


@pytest.mark.parametrize(
    "fragment, expected",
    [
        ('<row r="3" hidden="1" spans="1:2">', {"r": "3", "hidden": "1", "spans": "1:2"}),
        # a look-alike in another value is that value, not the attribute
        ('<x:row note=\' hidden="1"\' r="4">', {"note": ' hidden="1"', "r": "4"}),
        ('<mergeCell ref="A1:B2"/>', {"ref": "A1:B2"}),
        # values unescaped; a '>' inside a quoted value does not end the tag
        ("<c t='a&amp;b' n=\"x>y\" s='1'/>", {"t": "a&b", "n": "x>y", "s": "1"}),
    ],
)
def test_tag_attributes_reads_one_start_tag(fragment, expected):
    data = b"<sheetData>" + fragment.encode() + b"<after k='v'/>"
    assert tag_attributes(data, len(b"<sheetData>")) == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        (f"{{{MAIN}}}sheetData", (MAIN, "sheetData")),  # an element's (and ElementTree's) spelling
        (f"{REL}}}id", (REL, "id")),  # expat's key for a namespaced attribute
        ("ref", ("", "ref")),
    ],
)
def test_split_name(name, expected):
    assert split_name(name) == expected
