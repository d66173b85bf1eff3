"""The report workbook, read back as a raw package (zipfile + XML): what every viewer will see.

Checks the promises of issue 4 that live in the file itself: formula cells carry cached values
that equal the arithmetic of the cells they name; every chart has series caches and alt text;
titles use the built-in "Heading 1" style; the language is en-GB; text from the CSV never
becomes a formula; suppressed counts show as [c] with a rate range and a note; --publish has no
formulas; writes are atomic, refuse to overwrite, and are reproducible.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from xlplugin.accessibility import checker as accessibility
from xlplugin.core.errors import InputError
from xlplugin.report import build_report, build_report_bytes, ownership
from xlplugin.report.common import LANDSCAPE_PT, PORTRAIT_PT, split_long, text_width_pt
from xlplugin.report.layout import MIN_PRINT_SCALE, print_scale

EXAMPLES = Path(__file__).parent / "data" / "examples"
MET = EXAMPLES / "met-2020-visits.toml"
PREVENT = EXAMPLES / "prevent-channel.csv"
STAMP = "2021-06-17T00:00:00Z"

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "dc": "http://purl.org/dc/elements/1.1/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "op": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}

HOSTILE = [
    '=HYPERLINK("http://example.invalid","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
]


# ------------------------------------------------------------------------------------------
# reading the package


class Package:
    def __init__(self, data: bytes):
        self.zip = zipfile.ZipFile(__import__("io").BytesIO(data))
        self.data = data

    def xml(self, name: str):
        return ET.fromstring(self.zip.read(name))

    def names(self) -> list[str]:
        return self.zip.namelist()

    def shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.names():
            return []
        root = self.xml("xl/sharedStrings.xml")
        return ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root.findall("m:si", NS)]

    def sheets(self) -> dict[str, str]:
        """Sheet name -> part name, in workbook order."""
        wb = self.xml("xl/workbook.xml")
        rels = self.xml("xl/_rels/workbook.xml.rels")
        target = {r.get("Id"): r.get("Target") for r in rels.findall("pr:Relationship", NS)}
        out = {}
        for s in wb.find("m:sheets", NS):
            rid = s.get(f"{{{NS['r']}}}id")
            out[s.get("name")] = "xl/" + target[rid].lstrip("/").removeprefix("xl/")
        return out

    def cells(self, sheet: str) -> dict[str, dict]:
        """A1 -> {"t": type, "v": value text, "f": formula or None, "s": style index}."""
        strings = self.shared_strings()
        root = self.xml(self.sheets()[sheet])
        out = {}
        for c in root.iter(f"{{{NS['m']}}}c"):
            f = c.find("m:f", NS)
            v = c.find("m:v", NS)
            t = c.get("t", "n")
            value = v.text if v is not None else None
            if t == "s" and value is not None:
                value = strings[int(value)]
            elif t == "inlineStr":
                value = "".join(x.text or "" for x in c.iter(f"{{{NS['m']}}}t"))
            out[c.get("r")] = {"t": t, "v": value, "f": f.text if f is not None else None, "s": int(c.get("s", 0))}
        return out

    def charts(self) -> list[str]:
        return sorted(n for n in self.names() if n.startswith("xl/charts/chart"))


def build(tmp_path: Path, source: Path = MET, name: str = "out.xlsx", **options) -> tuple[Path, Package]:
    out = tmp_path / name
    build_report(source, out, timestamp=STAMP, force=True, **options)
    return out, Package(out.read_bytes())


@pytest.fixture(scope="module")
def met(tmp_path_factory):
    return build(tmp_path_factory.mktemp("met"))


@pytest.fixture(scope="module")
def prevent(tmp_path_factory):
    return build(tmp_path_factory.mktemp("prevent"), PREVENT)


def write_csv(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _a1(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


# ------------------------------------------------------------------------------------------
# formulas and caches


@pytest.mark.parametrize("which", ["met", "prevent"])
def test_every_formula_has_a_cached_value_equal_to_its_arithmetic(which, request):
    _, pkg = request.getfixturevalue(which)
    seen = 0
    for sheet in pkg.sheets():
        if sheet == "Changes":  # interval formulas: evaluated in tests/test_report_changes.py
            continue
        cells = pkg.cells(sheet)
        for ref, cell in cells.items():
            if cell["f"] is None:
                continue
            seen += 1
            assert cell["v"] not in (None, ""), f"{sheet}!{ref} ={cell['f']} has no cached value"
            m = re.fullmatch(r"([A-Z]+\d+)([/-])([A-Z]+\d+)", cell["f"])
            assert m, f"{sheet}!{ref}: unexpected formula {cell['f']}"
            a, op, b = float(cells[m.group(1)]["v"]), m.group(2), float(cells[m.group(3)]["v"])
            expected = a / b if op == "/" else a - b
            assert float(cell["v"]) == pytest.approx(expected, rel=1e-12, abs=1e-15), f"{sheet}!{ref}"
    assert seen >= 10


def test_funnel_rates_are_formulas_over_the_count_cells(met):
    _, pkg = met
    cells = pkg.cells("Funnel")
    row_of = {c["v"]: int(re.sub(r"\D", "", ref)) for ref, c in cells.items() if ref.startswith("A")}
    visited, interested, identified = (
        row_of["Visited"],
        row_of["Interested in diversion"],
        row_of["Identified for a visit"],
    )
    # Rate of base is in column E: 62 / 669 as =B<interested>/B<visited>
    rate = cells[f"E{interested}"]
    assert rate["f"] == f"B{interested}/B{visited}"
    assert float(rate["v"]) == pytest.approx(62 / 669)
    assert cells[f"H{interested}"]["f"] == f"B{interested}/B{identified}"
    assert float(cells[f"H{interested}"]["v"]) == pytest.approx(0.062)
    # drop-off is a count: 669 - 62
    assert cells[f"I{interested}"]["f"] == f"B{visited}-B{interested}"
    assert float(cells[f"I{interested}"]["v"]) == 607


def test_publish_writes_no_formulas(tmp_path):
    for source, rate in ((MET, 62 / 669), (PREVENT, 556 / 1328)):
        _, pkg = build(tmp_path, source, name=f"{source.stem}-pub.xlsx", publish=True)
        for sheet, part in pkg.sheets().items():
            assert b"<f>" not in pkg.zip.read(part) and b"<f " not in pkg.zip.read(part), sheet
        # the numbers are all still there
        cells = pkg.cells("Funnel")
        values = [float(c["v"]) for c in cells.values() if c["t"] == "n" and c["v"] is not None]
        assert pytest.approx(rate) in values


@pytest.mark.parametrize("which", ["met", "prevent"])
def test_every_chart_has_series_caches_and_alt_text(which, request):
    _, pkg = request.getfixturevalue(which)
    charts = pkg.charts()
    assert len(charts) >= 2
    for name in charts:
        root = pkg.xml(name)
        series = list(root.iter(f"{{{NS['c']}}}ser"))
        assert series, name
        for ser in series:
            for ref_tag, cache_tag in (
                ("numRef", "numCache"),
                ("strRef", "strCache"),
                ("multiLvlStrRef", "multiLvlStrCache"),
            ):
                for ref in ser.iter(f"{{{NS['c']}}}{ref_tag}"):
                    cache = ref.find(f"c:{cache_tag}", NS)
                    assert cache is not None, f"{name}: {ref_tag} {ref.findtext('c:f', namespaces=NS)} without cache"
                    points = cache.findall(".//c:pt", NS)
                    count = int(cache.find("c:ptCount", NS).get("val"))
                    assert count > 0 and len(points) >= count, f"{name}: empty cache"
            val = ser.find("c:val", NS) or ser.find("c:yVal", NS)
            assert val is not None and val.find(".//c:numCache", NS) is not None
        # error bars: range formulas and caches, never literals
        for err in root.iter(f"{{{NS['c']}}}errBars"):
            assert err.find(".//c:numLit", NS) is None
            for part in ("plus", "minus"):
                ref = err.find(f"c:{part}/c:numRef", NS)
                assert ref is not None and ref.find("c:numCache", NS) is not None
                assert ref.findtext("c:f", namespaces=NS).startswith("'")
    # alt text: every chart frame in every drawing has a descr stating figures
    drawings = [n for n in pkg.names() if n.startswith("xl/drawings/drawing")]
    frames = 0
    for name in drawings:
        for c_nv in pkg.xml(name).iter(f"{{{NS['xdr']}}}cNvPr"):
            frames += 1
            descr = c_nv.get("descr") or ""
            assert len(descr) > 40 and re.search(r"\d", descr), f"{name}: alt text {descr!r}"
    assert frames == len(charts)


def test_met_chart_alt_text_states_the_figures(met):
    _, pkg = met
    descr = " ".join(
        c.get("descr")
        for n in pkg.names()
        if n.startswith("xl/drawings/drawing")
        for c in pkg.xml(n).iter(f"{{{NS['xdr']}}}cNvPr")
    )
    for figure in (
        "Identified for a visit 1,000",
        "Visited 669",
        "62 of 669 visited: 9.3%",
        "(62 + 20) of 669 visited: 12.3%",
    ):
        assert figure in descr


def test_funnel_chart_reads_top_down(met):
    _, pkg = met
    root = pkg.xml(pkg.charts()[0])
    assert root.find(".//c:barDir", NS).get("val") == "bar"
    cat_axis = root.find(".//c:catAx", NS)
    assert cat_axis.find("c:scaling/c:orientation", NS).get("val") == "maxMin"
    assert root.find(".//c:dLbls/c:showVal", NS).get("val") == "1"
    categories = [v.text for v in root.find(".//c:cat", NS).iter(f"{{{NS['c']}}}v")]
    assert categories == ["Identified for a visit", "Visited", "Follow-up engagements", "Interested in diversion"]


# ------------------------------------------------------------------------------------------
# accessibility essentials in the package


@pytest.mark.parametrize("which", ["met", "prevent"])
def test_title_cells_use_built_in_heading_1(which, request):
    _, pkg = request.getfixturevalue(which)
    styles = pkg.xml("xl/styles.xml")
    named = {s.get("name"): s for s in styles.find("m:cellStyles", NS)}
    heading = named["Heading 1"]
    assert heading.get("builtinId") == "16"
    style_xf_id = heading.get("xfId")
    style_xf = styles.find("m:cellStyleXfs", NS)[int(style_xf_id)]
    assert style_xf.get("borderId") == "0" and style_xf.get("fillId") == "0"
    font = styles.find("m:fonts", NS)[int(style_xf.get("fontId"))]
    colour = font.find("m:color", NS)
    assert colour is None or colour.get("theme") == "1" or colour.get("auto") == "1"
    cell_xfs = styles.find("m:cellXfs", NS)
    assert int(styles.find("m:cellStyleXfs", NS).get("count")) == len(styles.find("m:cellStyleXfs", NS))
    assert int(styles.find("m:cellStyles", NS).get("count")) == len(styles.find("m:cellStyles", NS))
    for sheet in pkg.sheets():
        a1 = pkg.cells(sheet)["A1"]
        assert a1["t"] == "s" and a1["v"]
        assert cell_xfs[a1["s"]].get("xfId") == style_xf_id, f"{sheet}: A1 is not in Heading 1"
        assert pkg.cells(sheet)["A2"]["v"], f"{sheet}: no description in A2"


def test_document_language_title_and_ownership(met):
    _, pkg = met
    core = pkg.xml("docProps/core.xml")
    assert core.findtext("dc:language", namespaces=NS) == "en-GB"
    assert core.findtext("dc:title", namespaces=NS).startswith("Met Police violence-suppression visits")
    custom = pkg.xml("docProps/custom.xml")
    props = {p.get("name"): p.findtext("vt:lpwstr", namespaces=NS) for p in custom.findall("op:property", NS)}
    record = ownership.read_ownership(props)
    assert record["generator"] == "xlplugin" and record["method"] == "wilson" and record["confidence"] == 0.95
    assert record["publish"] is False and record["layout"] == ownership.LAYOUT_VERSION
    assert all(len(v) <= 255 for v in props.values())
    tables = [pkg.xml(n) for n in pkg.names() if n.startswith("xl/tables/")]
    assert tables and all(t.get("name").startswith("xlp_") for t in tables)
    assert all(t.find("m:autoFilter", NS) is None for t in tables)
    defined = {d.get("name"): d.text for d in pkg.xml("xl/workbook.xml").iter(f"{{{NS['m']}}}definedName")}
    assert defined["xlp_sheet_cover"] == "'Cover'!$A$1"
    assert defined["xlp_sheet_funnel"] == "'Funnel'!$A$1"


def test_ownership_record_splits_long_values():
    record = ownership.ownership_record("9.9", confidence=0.95, method="wilson", publish=True, extra="x" * 600)
    props = dict(ownership.ownership_properties(record))
    assert len(props) == 1 + 3 and all(len(v) <= 255 for v in props.values())
    assert ownership.read_ownership(props) == record
    assert ownership.read_ownership({"xlplugin": '{"generator":"someone else"}'}) is None
    assert ownership.read_ownership({}) is None


def test_first_sheet_active_and_a1_selected_everywhere(met):
    _, pkg = met
    wb = pkg.xml("xl/workbook.xml")
    view = wb.find("m:bookViews/m:workbookView", NS)
    assert view.get("activeTab", "0") == "0"
    assert list(pkg.sheets())[0] == "Cover"
    for sheet, part in pkg.sheets().items():
        for sel in pkg.xml(part).iter(f"{{{NS['m']}}}selection"):
            assert sel.get("activeCell", "A1") == "A1" and sel.get("sqref", "A1") == "A1", sheet


@pytest.mark.parametrize("publish", [False, True])
@pytest.mark.parametrize("source", [MET, PREVENT], ids=["met", "prevent"])
def test_examples_pass_the_accessibility_checker(tmp_path, source, publish):
    path, _ = build(tmp_path, source, publish=publish)
    findings = accessibility.check_workbook(path)
    assert findings == []


def test_contents_links_to_a1_of_every_sheet(met):
    _, pkg = met
    part = pkg.sheets()["Contents"]
    links = {h.get("location") for h in pkg.xml(part).iter(f"{{{NS['m']}}}hyperlink")}
    for sheet in pkg.sheets():
        if sheet != "Contents":
            assert f"'{sheet}'!A1" in links


def test_notes_every_marker_defined_and_every_note_used(met, prevent):
    for _, pkg in (met, prevent):
        texts = {s: [c["v"] or "" for c in pkg.cells(s).values() if c["t"] == "s"] for s in pkg.sheets()}
        notes_cells = pkg.cells("Notes")
        defined = {
            c["v"] for ref, c in notes_cells.items() if ref.startswith("A") and (c["v"] or "").startswith("[note")
        }
        used = {m for s, vs in texts.items() if s != "Notes" for v in vs for m in re.findall(r"\[note \d+\]", v)}
        assert used == defined and len(defined) >= 1


def test_sheets_print_one_page_wide_at_8pt_or_more():
    """Fitted to one page wide, no sheet is scaled so far that 11 pt text prints below 8 pt,
    and a sheet is landscape exactly when it is wider than a portrait page."""
    from xlplugin.report import load_report_layout

    for source in (MET, PREVENT):
        for publish in (False, True):
            layout = load_report_layout(source, publish=publish, timestamp=STAMP)
            for sheet in layout.sheets:
                assert print_scale(sheet) >= MIN_PRINT_SCALE, (source.name, sheet.name, print_scale(sheet))
                # text in column A (title, description, lines) is not cut off at the page edge
                page = LANDSCAPE_PT if sheet.landscape else PORTRAIT_PT
                assert text_width_pt(sheet) * print_scale(sheet) <= page, (source.name, sheet.name)
    layout = load_report_layout(MET, timestamp=STAMP)
    assert not layout.sheet("cover").landscape and layout.sheet("denominators").landscape


# ------------------------------------------------------------------------------------------
# the founding case's words


def test_denominators_say_subset_and_units_in_words(met):
    _, pkg = met
    values = [c["v"] for c in pkg.cells("Denominators").values() if c["t"] == "s"]
    assert "62 of 669 visited" in values
    assert "62 of 1,000 identified for a visit" in values
    assert "(62 + 20) of 669 visited" in values
    assert any(
        v.startswith(
            "No, not a subset: the 20 contacted police about diversion are not known to be among the 669 visited"
        )
        for v in values
    )
    # the ratio is a number in a cell of its own; the words carry no number
    assert "Different units: contacts per person" in values
    assert not any("0.23" in v for v in values)
    cells = pkg.cells("Denominators")
    ratios = [c for c in cells.values() if c["f"] and c["t"] != "s" and abs(float(c["v"]) - 156 / 669) < 1e-12]
    assert len(ratios) == 1
    rates = sorted(round(float(c["v"]), 4) for c in cells.values() if c["f"] and "/" in c["f"])
    for expected in (0.062, 0.0927, 0.1226):
        assert expected in rates


def test_claims_table(met):
    _, pkg = met
    cells = pkg.cells("Claims")
    rows: dict[int, dict[str, str]] = {}
    for ref, c in cells.items():
        row, col = _a1(ref)
        rows.setdefault(row, {})[col] = c["v"]
    by_claim = {r[1]: r for r in rows.values() if r.get(1) in ("just over 6%", "9%", "12%")}
    assert set(by_claim) == {"just over 6%", "9%", "12%"}
    assert by_claim["9%"][2] == "Metropolitan Police"
    assert by_claim["just over 6%"][3] == "above 6% and up to 6.5%"
    assert by_claim["12%"][4] == "Not stated"
    assert "(62 + 20) of 669 visited (12.3%) — not a subset" in by_claim["12%"][5]
    # the verdict in words, one column; never "Yes" for an invalid definition
    assert [by_claim[c][6] for c in ("just over 6%", "9%", "12%")] == [
        "Reproduced",
        "Reproduced",
        "Reproduced only by an invalid definition: the 20 are not known to be among the 669",
    ]
    assert by_claim["9%"][7] == "None"


# ------------------------------------------------------------------------------------------
# text from the CSV stays text


def test_hostile_stage_and_programme_names_stay_text(tmp_path):
    rows = ["programme,stage,count,note"]
    for i, prog in enumerate(HOSTILE[:3] + ["Plain"]):
        quoted = '"' + prog.replace('"', '""') + '"'
        rows += [
            f'{quoted},"{HOSTILE[0].replace(chr(34), chr(34) * 2)}",{100 + i}',
            f'{quoted},"{HOSTILE[1]}",{50 + i},"{HOSTILE[2]}"',
        ]
        rows += [f"{quoted},{HOSTILE[2]},{20 + i}", f"{quoted},{HOSTILE[3]},{5 + i}"]
    path = write_csv(tmp_path, "\n".join(rows) + "\n")
    out, pkg = build(tmp_path, path)
    strings = set(pkg.shared_strings())
    for text in HOSTILE:
        assert text in strings
    for sheet, _part in pkg.sheets().items():
        for ref, cell in pkg.cells(sheet).items():
            if cell["f"] is not None:
                assert re.fullmatch(r"[A-Z]+\d+[/-][A-Z]+\d+", cell["f"]), f"{sheet}!{ref}: {cell['f']}"
            if cell["v"] in HOSTILE:
                assert cell["t"] in ("s", "inlineStr")
    # chart titles and series names never become formulas of the hostile text
    for name in pkg.charts():
        for f in pkg.xml(name).iter(f"{{{NS['c']}}}f"):
            assert re.fullmatch(r"'[^']+'!\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?", f.text), f.text
    assert accessibility.check_workbook(out) == []


# ------------------------------------------------------------------------------------------
# suppressed and rounded counts


def test_suppressed_count_is_c_with_rate_range_and_note(tmp_path):
    path = write_csv(tmp_path, "stage,count\nReferred,1000\nAssessed,120\nStarted,<5\n")
    out, pkg = build(tmp_path, path)
    cells = pkg.cells("Funnel")
    header_row = next(_a1(r)[0] for r, c in cells.items() if c["v"] == "Stage")
    headers = {_a1(r)[1]: c["v"] for r, c in cells.items() if _a1(r)[0] == header_row}
    col = {v: k for k, v in headers.items()}
    row = next(_a1(r)[0] for r, c in cells.items() if c["v"] == "Started")

    def at(name):
        letter = chr(64 + col[name])
        return cells[f"{letter}{row}"]

    assert at("Count (number)")["v"] == "[c]"
    assert at("Rate of base (%)")["v"] == "[c]"
    assert float(at("Lowest possible rate of base (%)")["v"]) == 0.0
    assert float(at("Highest possible rate of base (%)")["v"]) == pytest.approx(4 / 120)
    assert float(at("95% CI upper (%)")["v"]) > 4 / 120
    marker = re.search(r"\[note \d+\]", at("Notes")["v"]).group(0)
    notes = {c["v"] for ref, c in pkg.cells("Notes").items() if ref.startswith("A")}
    assert marker in notes
    note_text = [c["v"] for ref, c in pkg.cells("Notes").items() if ref.startswith("B")]
    assert any("between 0 and 4" in t for t in note_text)
    lines_above = [c["v"] for ref, c in cells.items() if ref.startswith("A") and _a1(ref)[0] < header_row]
    assert any(v.startswith("[c] = ") for v in lines_above)
    assert accessibility.check_workbook(out) == []


# ------------------------------------------------------------------------------------------
# several programmes


def test_several_periods_side_by_side_with_changes_not_a_funnel_plot(prevent):
    """Prevent's programmes are years: changes and a trend chart, no funnel plot (that is for areas)."""
    _, pkg = prevent
    sheets = set(pkg.sheets())
    assert {"Programmes", "Changes", "Trend chart"} <= sheets
    assert not {"Funnel plot", "Funnel plot limits"} & sheets
    cells = pkg.cells("Changes")
    verdicts = [c["v"] for c in cells.values() if c["t"] == "s" and c["v"].startswith(("a clear", "no clear"))]
    # Adopted of discussed: 41.9% (2019) -> 48.9% (2020) -> 51.6% (2021) -> 57.3% (2024)
    assert "a clear rise" in verdicts
    lines = [n for n in pkg.charts() if pkg.xml(n).find(".//c:lineChart", NS) is not None]
    assert len(lines) == 1
    assert len(list(pkg.xml(lines[0]).iter(f"{{{NS['c']}}}ser"))) == 2  # discussed, adopted


def test_many_programmes_build(tmp_path):
    rows = ["programme,stage,count"]
    for i in range(60):
        rows += [f"Area {i},Referred,{1000 + 7 * i}", f"Area {i},Seen,{300 + (i * 37) % 200}"]
    path = write_csv(tmp_path, "\n".join(rows) + "\n")
    out, pkg = build(tmp_path, path)
    assert "Funnel plot" in pkg.sheets()
    assert accessibility.check_workbook(out) == []


# ------------------------------------------------------------------------------------------
# writing: refusal, atomicity, reproducibility


def test_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"precious")
    with pytest.raises(InputError, match="exists; use --force"):
        build_report(MET, out, timestamp=STAMP)
    assert out.read_bytes() == b"precious"
    build_report(MET, out, timestamp=STAMP, force=True)
    assert zipfile.is_zipfile(out)


def test_bad_input_writes_nothing(tmp_path):
    bad = write_csv(tmp_path, "stage,count\nA,100\nB,200\n")  # B larger than its base
    out = tmp_path / "r.xlsx"
    with pytest.raises(InputError):
        build_report(bad, out)
    assert list(tmp_path.iterdir()) == [bad]
    with pytest.raises(InputError, match="xlsx"):
        build_report(MET, tmp_path / "r.csv")


def test_failure_while_writing_leaves_no_temp_file_and_old_file_intact(tmp_path, monkeypatch):
    import errno
    import os

    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    # an environmental failure is a plain refusal naming the user's path (exit 2), not "a bug"
    with pytest.raises(InputError, match=r"r\.xlsx: cannot be written: the disk is full; nothing was written"):
        build_report(MET, out, force=True, timestamp=STAMP)
    monkeypatch.undo()
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]


def test_reproducible_bytes_with_fixed_timestamp(tmp_path):
    a = build_report_bytes(MET, timestamp=STAMP)
    b = build_report_bytes(MET, timestamp=STAMP)
    assert hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest()
    c = build_report_bytes(MET, timestamp="2022-01-01T00:00:00Z")
    assert a != c
    core = Package(c).xml("docProps/core.xml")
    assert core.findtext("{http://purl.org/dc/terms/}created") == "2022-01-01T00:00:00Z"


def test_postpass_copies_unedited_entries_as_recompressing_them_would(monkeypatch):
    """The xlsx post-pass copies XlsxWriter's compressed bytes for the parts it does not edit
    (ooxml.rawzip); the file is the same, byte for byte, as compressing every part again."""
    from xlplugin.ooxml import rawzip

    copied = build_report_bytes(MET, timestamp=STAMP)

    def unavailable(*args, **kwargs):
        raise rawzip.RawCopyUnavailable

    monkeypatch.setattr(rawzip, "append_raw", unavailable)
    recompressed = build_report_bytes(MET, timestamp=STAMP)
    assert copied == recompressed
    with zipfile.ZipFile(io.BytesIO(copied)) as zf:
        assert zf.testzip() is None
        assert b"<dc:language>en-GB</dc:language>" in zf.read("docProps/core.xml")
        assert b'name="Heading 1"' in zf.read("xl/styles.xml")


def test_bad_timestamp_method_and_confidence_are_input_errors():
    with pytest.raises(InputError, match="timestamp"):
        build_report_bytes(MET, timestamp="yesterday")
    with pytest.raises(InputError, match="method"):
        build_report_bytes(MET, method="magic")
    with pytest.raises(InputError, match="confidence"):
        build_report_bytes(MET, confidence=1.5)


def test_data_sheet_has_provenance(met):
    _, pkg = met
    data = (EXAMPLES / "met-2020-visits.csv").read_bytes()
    values = [c["v"] for c in pkg.cells("Data").values() if c["t"] == "s"]
    assert "Source file: met-2020-visits.csv" in values
    assert f"SHA-256 of the source file: {hashlib.sha256(data).hexdigest()}" in values
    assert "Generated: 2021-06-17T00:00:00+00:00" in values
    assert any(v.startswith("Made by: xlplugin ") for v in values)


@pytest.mark.parametrize(
    "claim, words",
    [
        ("9%", "from 8.5% to 9.5%"),
        ("just over 6%", "above 6% and up to 6.5%"),
        ("just under 10%", "at least 9.5% and below 10%"),
        ("over 50%", "above 50%"),
        ("under 5%", "below 5%"),
        ("at least 20%", "at least 20%"),
        ("one in 16", "from 6.06% to 6.45%"),
    ],
)
def test_claim_intervals_in_words(claim, words):
    from xlplugin.core.claims import parse_claim
    from xlplugin.report.sheet_claims import interval_text as _interval_text

    assert _interval_text(parse_claim(claim)) == words


def test_rounded_unavailable_suppressed_and_mixed_units_build_accessibly(tmp_path):
    path = write_csv(
        tmp_path,
        'stage,count,rounding,unit\nReferred,"1,230",nearest10,people\nAssessed,670,nearest10,people\n'
        "Started,[x],,people\nFinished,*,,people\nLetters sent,45,,letters\n",
    )
    out, pkg = build(tmp_path, path)
    assert accessibility.check_workbook(out) == []
    values = [c["v"] for c in pkg.cells("Funnel").values()]
    assert (
        "[x]" in values
        and "[c]" in values
        and 1230 in [int(float(v)) for v in values if re.fullmatch(r"[\d.]+", v or "")]
    )
    # no formula over an inexact count
    for ref, cell in pkg.cells("Funnel").items():
        assert cell["f"] is None, ref
    _, pub = build(tmp_path, path, name="pub.xlsx", publish=True)
    assert accessibility.check_workbook(tmp_path / "pub.xlsx") == []


def test_cli_report_refuses_existing_output_with_exit_2(tmp_path, capsys):
    from xlplugin.cli import main

    out = tmp_path / "r.xlsx"
    assert main(["report", str(MET), "-o", str(out), "--timestamp", STAMP]) == 0
    first = out.read_bytes()
    assert main(["report", str(MET), "-o", str(out), "--timestamp", STAMP]) == 2
    assert "exists; use --force" in capsys.readouterr().err
    assert out.read_bytes() == first
    assert main(["report", str(MET), "-o", str(out), "--force", "--timestamp", STAMP]) == 0
    assert out.read_bytes() == first  # byte-identical rebuild


def test_layout_is_the_shared_description(tmp_path):
    from xlplugin.report import load_report_layout

    layout = load_report_layout(MET, timestamp=STAMP)
    keys = [s.key for s in layout.sheets]
    assert keys[:3] == ["cover", "contents", "notes"] and keys[-1] == "data"
    for sheet in layout.sheets:
        assert len(sheet.name) <= 31 and sheet.title and sheet.description
        if sheet.table is not None:
            assert sheet.table.name == ownership.TABLE_NAMES[sheet.key]
            assert sheet.table.top == sheet.table_top
            assert all(len(row) == len(sheet.table.headers) for row in sheet.table.rows)
            assert len({h.lower() for h in sheet.table.headers}) == len(sheet.table.headers)
    record = ownership.read_ownership(dict(layout.custom_properties))
    assert record["suppressed"] == [0, 4]


def test_data_sheet_gives_back_the_input(prevent):
    """refresh reads the data sheet back as the input: headers, numbers and empty cells undone."""
    from xlplugin.inputs.csvinput import read_table
    from xlplugin.report.sheet_front import input_from_data_table

    _, pkg = prevent
    cells = pkg.cells("Data")
    header_row = next(_a1(r)[0] for r, c in cells.items() if c["v"] == "programme")
    grid: dict[int, dict[int, object]] = {}
    for ref, c in cells.items():
        row, col = _a1(ref)
        if row >= header_row:
            grid.setdefault(row, {})[col] = float(c["v"]) if c["t"] == "n" else c["v"]
    width = max(grid[header_row])
    header = [grid[header_row][c] for c in range(1, width + 1)]
    assert "count (number)" in header
    rows = [[grid[r].get(c) for c in range(1, width + 1)] for r in sorted(grid) if r > header_row]
    names, texts = input_from_data_table(header, rows)
    original = read_table(PREVENT)
    kept = [j for j, h in enumerate(original.header) if any(r[j] for r in original.rows)]
    assert original.header[-1] == "note" and len(kept) == len(original.header) - 1  # the empty column is left out
    assert names == [original.header[j] for j in kept]
    assert texts == [[row[j] for j in kept] for row in original.rows]


def test_split_long_keeps_note_markers_whole():
    from xlplugin.report.model import Line

    text = (
        "A sentence that is long enough to need a split somewhere near here, really. " * 3 + "See [note 12] for more."
    )
    lines = split_long([Line(text)], limit=60)
    assert all(len(line.text) <= 60 for line in lines)
    assert " ".join(line.text for line in lines) == text.strip()
    assert any("[note 12]" in line.text for line in lines)


def test_composed_text_over_the_cell_limit_is_refused_not_cut(tmp_path):
    note = "N" * 32_767  # the field itself is within Excel's limit; "A: <note>" on the Notes sheet is not
    path = write_csv(tmp_path, f"stage,count,note\nA,1000,{note}\nB,669,\n")
    out = tmp_path / "r.xlsx"
    with pytest.raises(InputError, match="32,767"):
        build_report(path, out)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_csv_without_spec_gets_a_title_and_summary(tmp_path):
    _, pkg = build(tmp_path, EXAMPLES / "met-2020-visits.csv")
    cover = pkg.cells("Cover")
    assert cover["A1"]["v"] == "Funnel and uptake rates: met-2020-visits"
    assert cover["A2"]["v"].startswith("Funnel and uptake rates for 5 stages, from identified for a visit (1,000)")
    assert "Claims" not in pkg.sheets()


@pytest.mark.parametrize(
    "name, lock, program",
    [
        ("r.xlsx", "~$r.xlsx", "Excel"),
        ("r.xlsx", ".~lock.r.xlsx#", "LibreOffice"),
        ("quarterly.xlsx", "~$arterly.xlsx", "Excel"),  # Office drops the first two characters of a long stem
    ],
)
def test_report_refuses_a_workbook_open_elsewhere_by_the_one_lock_rule(tmp_path, name, lock, program):
    """Issue 9: report knew only Excel's ``~$NAME``; it now shares refresh's rule (ooxml/atomic.lock_files)."""
    out = tmp_path / name
    (tmp_path / lock).write_bytes(b"")
    with pytest.raises(InputError, match=f"open in {program}"):
        build_report(MET, out, timestamp=STAMP)
    assert not out.exists()
