"""StyleMerger: fresh report formats mapped into a user's styles.xml by appending, never changing."""

from __future__ import annotations

from openpyxl.styles.stylesheet import Stylesheet

from xlplugin.ooxml.package import parse_xml, scan
from xlplugin.ooxml.styles import StyleMerger

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

FRESH = f"""<styleSheet xmlns="{MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0"/><numFmt numFmtId="165" formatCode="0.0%"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Arial"/></font><font><b/><sz val="15"/><name val="Arial"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="1" applyFont="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"><alignment vertical="top"/></xf></cellXfs><cellStyles count="2"><cellStyle name="Normal" xfId="0" builtinId="0"/><cellStyle name="Heading 1" xfId="1" builtinId="16"/></cellStyles><dxfs count="0"/></styleSheet>""".encode()  # noqa: E501 -- one stylesheet part as an application writes it, on one line

# as another application would write the same first formats: other attribute order, a prefix
USER = f"""<x:styleSheet xmlns:x="{MAIN}"><x:numFmts count="1"><x:numFmt formatCode="0.0%" numFmtId="170"/></x:numFmts><x:fonts count="1"><x:font><x:name val="Arial"/><x:sz val="11"/></x:font></x:fonts><x:fills count="2"><x:fill><x:patternFill patternType="none"/></x:fill><x:fill><x:patternFill patternType="gray125"/></x:fill></x:fills><x:borders count="1"><x:border><x:left/><x:right/><x:top/><x:bottom/><x:diagonal/></x:border></x:borders><x:cellStyleXfs count="1"><x:xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></x:cellStyleXfs><x:cellXfs count="1"><x:xf xfId="0" numFmtId="0" fontId="0" fillId="0" borderId="0"/></x:cellXfs><x:cellStyles count="1"><x:cellStyle name="Normal" xfId="0" builtinId="0"/></x:cellStyles><x:dxfs count="0"/></x:styleSheet>""".encode()  # noqa: E501 -- as above


def test_equal_formats_are_reused_and_new_ones_appended():
    merger = StyleMerger(USER, FRESH)
    assert merger.map(0) == 0  # the same plain format, written differently
    assert merger.map(2) == 1  # 0.0% already exists as numFmt 170
    heading = merger.map(1)
    assert heading == 2
    assert merger.map(3) == 3
    assert merger.map(1) == heading  # cached, not appended twice
    out = merger.result()
    root = parse_xml(out)
    xfs = root.find(f"{{{MAIN}}}cellXfs")
    assert xfs.get("count") == "4" and len(xfs) == 4
    assert xfs[1].get("numFmtId") == "170"
    assert xfs[3].get("numFmtId") == "171"  # #,##0 added with a new id
    assert [n.get("formatCode") for n in root.find(f"{{{MAIN}}}numFmts")] == ["0.0%", "#,##0"]
    styles = {s.get("name"): s.get("xfId") for s in root.find(f"{{{MAIN}}}cellStyles")}
    assert styles == {"Normal": "0", "Heading 1": "1"}  # the named style came along
    assert xfs[2].get("xfId") == "1"
    fonts = root.find(f"{{{MAIN}}}fonts")
    assert fonts.get("count") == "2" and len(fonts) == 2
    # what was there is unchanged, text for text
    for original in (
        b'<x:numFmt formatCode="0.0%" numFmtId="170"/>',
        b'<x:font><x:name val="Arial"/><x:sz val="11"/></x:font>',
        b'<x:xf xfId="0" numFmtId="0" fontId="0" fillId="0" borderId="0"/>',
    ):
        assert original in out


def test_nothing_new_means_no_change():
    merger = StyleMerger(FRESH, FRESH)
    for i in range(4):
        assert merger.map(i) == i
    assert merger.result() is None


def test_result_is_well_formed_when_user_has_no_number_formats():
    user = USER.replace(USER[USER.index(b"<x:numFmts") : USER.index(b"</x:numFmts>") + len(b"</x:numFmts>")], b"")
    merger = StyleMerger(user, FRESH)
    merger.map(3)
    root = scan(merger.result())
    assert [c.local for c in root.children][:2] == ["numFmts", "fonts"]


def test_sections_the_user_leaves_out_are_added_in_schema_order():
    """cellStyleXfs and cellStyles are optional: the named styles we bring get their own sections."""
    user = USER
    for section in (b"cellStyleXfs", b"cellStyles"):
        start = user.index(b"<x:" + section + b" ")
        end = user.index(b"</x:" + section + b">") + len(b"</x:" + section + b">")
        user = user[:start] + user[end:]
    merger = StyleMerger(user, FRESH)
    heading = merger.map(1)
    root = scan(merger.result())
    sections = Stylesheet.__elements__  # openpyxl's, in the schema's order
    assert [c.local for c in root.children] == list(sections[: sections.index("dxfs") + 1])
    tree = parse_xml(merger.result())
    named = tree.find(f"{{{MAIN}}}cellStyleXfs")
    styles = {s.get("name"): int(s.get("xfId")) for s in tree.find(f"{{{MAIN}}}cellStyles")}
    assert named.get("count") == str(len(named)) and set(styles) == {"Heading 1"}
    xf = tree.find(f"{{{MAIN}}}cellXfs")[heading]
    assert int(xf.get("xfId")) == styles["Heading 1"] < len(named)
