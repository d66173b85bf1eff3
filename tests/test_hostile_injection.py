"""Hostile text through the real command line: nothing from a CSV or a spec becomes a formula.

Every hostile string carries the marker ``ZQX``, so one scan of the written package can check
that the marker never reaches a place Excel would evaluate or follow: a cell formula (``<f>``),
a chart or defined-name reference, a sheet or table name, a hyperlink target. Cells that hold
the marker must be plain text (shared or inline strings), DDE and external-link parts must not
exist, external relationships are http(s) hyperlinks only, and every link has descriptive text.
LibreOffice then shows each hostile string as the text it is (not its value as a formula).

Also here: control characters refused with a located message, and text over Excel's
32,767-character cell limit refused (exit 2), not cut.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from cli_runner import run_xlplugin
from defusedxml import ElementTree as ET

from xlplugin.excel import refresh_button as excel_refresh

HERE = Path(__file__).parent
MET_CSV = HERE / "data" / "examples" / "met-2020-visits.csv"
CLEAN_BOOK = HERE / "data" / "xlsx" / "openpyxl__conditional-formatting.xlsx"
MARK = "ZQX"

#: Formula, DDE and link payloads, leading whitespace, full-width forms (NFKC gives = + - @).
HOSTILE = [
    "=ZQX()+1",
    "+ZQX+1",
    "-ZQX+1",
    "@ZQX(1+1)",
    "\t=ZQX(2)",
    "\r=ZQX(3)",
    "\uff1dZQX(1+1)",  # ＝
    "\uff0bZQX",  # ＋
    "\uff0dZQX",  # －
    "\uff20SUM(ZQX)",  # ＠
    "=cmd|' /C calc ZQX'!A0",
    "+cmd|' /C calc ZQX'!A1",
    "-cmd|' /C calc ZQX'!A2",
    "@SUM(1+1)*cmd|' /C calc ZQX'!A0",
    '=HYPERLINK("http://example.invalid/ZQX","click me")',
    '=DDE("cmd";"/C calc";"ZQX")',
    '=WEBSERVICE("http://example.invalid/ZQX")',
    '=1+1+0*LEN("ZQX")',
    " =ZQX(4)",
]
#: Excel error literals used as labels: they must stay text, never become error cells.
ERROR_LIKE = ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?"]

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_xlplugin(*args, text=True, cwd=cwd, timeout=300)


def csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_bytes(("\n".join(",".join(csv_field(v) for v in row) for row in rows) + "\n").encode("utf-8"))
    return path


def hostile_funnel_csv(path: Path) -> Path:
    """Three programmes (so the funnel plot is drawn) whose names, stages, units and notes are hostile."""
    rows = [["programme", "stage", "count", "base", "unit", "note"]]
    programmes = ["=cmd|' /C calc ZQX'!P1", "@ZQX programme", "\uff0bZQX programme"]
    stages = HOSTILE + ERROR_LIKE
    for k, programme in enumerate(programmes):
        first, second, third = stages[3 * k], stages[3 * k + 1], stages[3 * k + 2]
        unit = "+ZQX people"
        rows += [
            [programme, first, str(1000 + k), "", unit, HOSTILE[(k + 9) % len(HOSTILE)]],
            [programme, second, str(600 + k), first, unit, ERROR_LIKE[k]],
            [programme, third, str(60 + k), second, unit, HOSTILE[(k + 13) % len(HOSTILE)]],
        ]
    # a fourth programme carries the rest, so every string is used somewhere
    rest = stages[9:]
    previous = ""
    for i, stage in enumerate(rest):
        rows.append(["-ZQX programme", stage, str(5000 - 300 * i), previous, "people", rest[-1 - i]])
        previous = stage
    return write_csv(path, rows)


# --------------------------------------------------------------------------------------------
# the package scan


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{{{NS['m']}}}t"))


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    name = next((n for n in zf.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if name is None:
        return []
    root = ET.fromstring(zf.read(name))
    return [_text(si) for si in root.findall("m:si", NS)]


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str, str | None]]:
    folder, base = part.rsplit("/", 1) if "/" in part else ("", part)
    name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    if name not in zf.namelist():
        return {}
    root = ET.fromstring(zf.read(name))
    return {
        r.get("Id"): (r.get("Type", ""), r.get("Target", ""), r.get("TargetMode"))
        for r in root.findall("pr:Relationship", NS)
    }


def scan_package(path: Path, *, allowed_urls: set[str] = frozenset()) -> dict[str, list[str]]:
    """Assert the package is injection-free; return {sheet part: [cell texts]} for further checks."""
    texts: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        lowered = [n.lower() for n in names]
        assert not [n for n in lowered if "externallink" in n or n.endswith(".bin") and "vba" not in n], names
        for name in names:
            if name.lower().endswith((".xml", ".rels", ".vml")):
                data = zf.read(name).lower()
                for word in (b"ddelink", b"olelink", b"ddeservice", b"externalbook", b"<oleobject"):
                    assert word not in data, f"{name} holds {word!r}"
        # every external relationship is an http(s) hyperlink
        for name in names:
            if not name.endswith(".rels"):
                continue
            for rel in ET.fromstring(zf.read(name)).findall("pr:Relationship", NS):
                if rel.get("TargetMode") == "External":
                    assert rel.get("Type", "").endswith("/hyperlink"), (name, rel.attrib)
                    assert re.match(r"https?://", rel.get("Target", "")), (name, rel.attrib)
                    assert rel.get("Target") in allowed_urls, (name, rel.attrib)
                assert MARK not in rel.get("Target", ""), (name, rel.attrib)
        # workbook: sheet names and defined names
        workbook = ET.fromstring(zf.read("xl/workbook.xml"))
        for sheet in workbook.iter(f"{{{NS['m']}}}sheet"):
            assert MARK not in sheet.get("name", ""), sheet.attrib
        for defined in workbook.iter(f"{{{NS['m']}}}definedName"):
            assert MARK not in (defined.text or "") and MARK not in defined.get("name", ""), defined.attrib
        shared = _shared_strings(zf)
        for name in names:
            lower = name.lower()
            if lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
                texts[name] = _scan_sheet(zf, name, shared, allowed_urls)
            elif lower.startswith("xl/charts/") and lower.endswith(".xml"):
                for ref in ET.fromstring(zf.read(name)).iter(f"{{{NS['c']}}}f"):
                    assert MARK not in (ref.text or ""), f"{name}: chart reference {ref.text!r}"
            elif lower.startswith("xl/tables/") and lower.endswith(".xml"):
                table = ET.fromstring(zf.read(name))
                assert MARK not in table.get("name", "") and MARK not in table.get("displayName", "")
                for tag in ("calculatedColumnFormula", "totalsRowFormula"):
                    for formula in table.iter(f"{{{NS['m']}}}{tag}"):
                        assert MARK not in (formula.text or ""), f"{name}: {tag} {formula.text!r}"
    return texts


def _scan_sheet(zf, name, shared, allowed_urls) -> list[str]:
    root = ET.fromstring(zf.read(name))
    cell_text: dict[str, str] = {}
    for cell in root.iter(f"{{{NS['m']}}}c"):
        kind = cell.get("t", "n")
        formula = cell.find("m:f", NS)
        value = cell.find("m:v", NS)
        assert kind != "e", f"{name}!{cell.get('r')} is an error cell"
        if formula is not None:
            assert MARK not in (formula.text or ""), f"{name}!{cell.get('r')}: formula {formula.text!r}"
            for literal in ERROR_LIKE:
                assert literal not in (formula.text or ""), f"{name}!{cell.get('r')}: formula {formula.text!r}"
        if kind == "s" and value is not None:
            text = shared[int(value.text)]
        elif kind == "inlineStr":
            text = _text(cell.find("m:is", NS))
        elif kind == "str":
            text = value.text if value is not None else ""
        else:
            continue
        if MARK in text or text in ERROR_LIKE:
            assert formula is None and kind in ("s", "inlineStr"), f"{name}!{cell.get('r')}: {kind} {text!r}"
        cell_text[cell.get("r")] = text
    rels = _rels(zf, name)
    for link in root.iter(f"{{{NS['m']}}}hyperlink"):
        rid = link.get(f"{{{NS['r']}}}id")
        label = cell_text.get(link.get("ref", "").split(":")[0], "")
        if rid:
            _type, target, mode = rels[rid]
            assert mode == "External" and target in allowed_urls, (name, link.attrib, target)
            assert label.strip() and label.strip() != target and not re.match(r"https?://", label.strip()), (
                f"{name}!{link.get('ref')}: a link needs descriptive text, not {label!r}"
            )
        else:
            assert MARK not in link.get("location", ""), link.attrib
    return list(cell_text.values())


def assert_all_shown_as_text(texts: dict[str, list[str]], wanted: list[str]) -> None:
    """Each hostile string (as the funnel reads it: trimmed) is a whole cell's text somewhere."""
    cells = {t.strip() for values in texts.values() for t in values}
    everything = "\n".join(t for values in texts.values() for t in values)
    missing = [w for w in wanted if w.strip() not in cells and w.strip() not in everything]
    assert not missing, f"not written as text: {missing}"


# --------------------------------------------------------------------------------------------
# report


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-report")
    source = hostile_funnel_csv(folder / "hostile.csv")
    out = {}
    for mode in ("default", "publish"):
        path = folder / f"hostile-{mode}.xlsx"
        result = cli("report", source, "-o", path, *(["--publish"] if mode == "publish" else []))
        assert result.returncode == 0, result.stderr
        out[mode] = path
    return out


@pytest.mark.parametrize("mode", ["default", "publish"])
def test_report_writes_hostile_csv_text_as_text(hostile_reports, mode):
    texts = scan_package(hostile_reports[mode])
    assert_all_shown_as_text(texts, HOSTILE + ERROR_LIKE)
    if mode == "publish":
        with zipfile.ZipFile(hostile_reports[mode]) as zf:
            assert not [n for n in zf.namelist() if n.startswith("xl/worksheets/") and b"<f>" in zf.read(n)]


def test_report_full_width_forms_are_kept_not_normalised(hostile_reports):
    texts = scan_package(hostile_reports["default"])
    everything = "\n".join(t for values in texts.values() for t in values)
    for text in ("\uff1dZQX(1+1)", "\uff0bZQX", "\uff0dZQX", "\uff20SUM(ZQX)"):
        assert text in everything
    # and nowhere did NFKC turn them into the ASCII formula characters they look like
    assert "=ZQX(1+1)" not in everything.replace("\uff1dZQX(1+1)", "")


@pytest.mark.libreoffice
def test_report_hostile_text_in_libreoffice(hostile_reports, tmp_path):
    """LibreOffice (recalculating) shows every hostile string as text, and no error values."""
    from lo_harness import export_sheets_csv, require_soffice

    require_soffice()
    sheets = export_sheets_csv(hostile_reports["default"], tmp_path, recalc=True)
    cells = [c for rows in sheets.values() for row in rows for c in row]
    everything = "\n".join(cells)
    for text in HOSTILE + ERROR_LIKE:
        assert text.strip() in everything, text
    # a formula of the text would have shown its value or an error instead
    assert not [c for c in cells if c in ("2", "#NAME?", "Err:508") and c not in ERROR_LIKE]
    assert "Err:" not in everything


def test_spec_text_and_claim_authors_stay_text(tmp_path):
    write_csv(
        tmp_path / "data.csv", [["stage", "count", "base"], ["=ZQX()+1", "1000", ""], ["@ZQX(1+1)", "62", "=ZQX()+1"]]
    )
    url = "https://example.org/foi?q=%3Dcmd%7C"
    fields = {
        "title": '=HYPERLINK("http://example.invalid/ZQX","t")',
        "summary": "+cmd|' /C calc ZQX'!A0",
        "publisher": "@SUM(1+1)*ZQX",
        "source_name": "-ZQX source",
        "contact": "\uff1dZQX contact",
        "foi_reference": "#N/A ZQX",
    }
    spec = "\n".join(f"{k} = {toml_string(v)}" for k, v in fields.items())
    spec += f'\nsource_url = "{url}"\ndata = "data.csv"\n'
    spec += '\n[[claims]]\ntext = "6.2%"\nby = "=cmd|\' /C calc ZQX\'!A0"\n'
    (tmp_path / "spec.toml").write_text(spec, encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = cli("report", tmp_path / "spec.toml", "-o", out)
    assert result.returncode == 0, result.stderr
    texts = scan_package(out, allowed_urls={url})
    assert_all_shown_as_text(texts, list(fields.values()) + ["=cmd|' /C calc ZQX'!A0"])
    with zipfile.ZipFile(out) as zf:
        links = [
            r
            for n in zf.namelist()
            if n.endswith(".rels")
            for r in ET.fromstring(zf.read(n)).findall("pr:Relationship", NS)
            if r.get("TargetMode")
        ]
        assert [r.get("Target") for r in links] and {r.get("Target") for r in links} == {url}
        core = zf.read("docProps/core.xml").decode("utf-8")
        assert (
            "=HYPERLINK(&quot;http://example.invalid/ZQX&quot;,&quot;t&quot;)" in core
            or '=HYPERLINK("http://example.invalid/ZQX","t")' in core
        )


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        '=HYPERLINK("http://x.invalid")',
        r"\\\\server\\share\\x.xlsx",
        "data:text/html,<b>x</b>",
        "mailto:someone@example.org",
        "http://exa mple.org/",
        "ftp://example.org/x",
        "https://",
        "//example.org/x",
        "vbscript:msgbox(1)",
        "  javascript:alert(1)",
    ],
)
def test_spec_source_url_must_be_http_or_https(tmp_path, url):
    (tmp_path / "data.csv").write_text("stage,count,base\nA,10,\nB,5,A\n", encoding="utf-8")
    (tmp_path / "spec.toml").write_text(f'source_url = {toml_string(url)}\ndata = "data.csv"\n', encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = cli("report", tmp_path / "spec.toml", "-o", out)
    assert result.returncode == 2, result.stderr
    assert "source_url" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# refresh --table and report refresh


def test_refresh_table_writes_hostile_cells_and_headers_as_text(tmp_path):
    book = tmp_path / "book.xlsx"
    book.write_bytes(CLEAN_BOOK.read_bytes())
    scan_package(book)  # the corpus workbook itself is clean
    header = ["=ZQX()+1 header", "@ZQX header", "\uff1dZQX header"]
    rows = [header] + [[HOSTILE[i], ERROR_LIKE[i % len(ERROR_LIKE)], HOSTILE[-1 - i]] for i in range(len(HOSTILE))]
    source = write_csv(tmp_path / "hostile.csv", rows)
    result = cli("refresh", book, source, "--table", "Hostile_Data")
    assert result.returncode == 0, result.stderr
    texts = scan_package(book)
    # the table CSV keeps its text as given (leading tab/CR included); compare trimmed
    assert_all_shown_as_text(texts, HOSTILE + ERROR_LIKE + header)
    with zipfile.ZipFile(book) as zf:
        tables = [ET.fromstring(zf.read(n)) for n in zf.namelist() if n.startswith("xl/tables/")]
    columns = [
        c.get("name") for t in tables if t.get("name") == "Hostile_Data" for c in t.iter(f"{{{NS['m']}}}tableColumn")
    ]
    assert columns == header


def test_refresh_report_with_hostile_csv(tmp_path):
    report = tmp_path / "report.xlsx"
    assert cli("report", MET_CSV, "-o", report).returncode == 0
    source = hostile_funnel_csv(tmp_path / "hostile.csv")
    result = cli("refresh", report, source)
    assert result.returncode == 0, result.stderr
    texts = scan_package(report)
    assert_all_shown_as_text(texts, HOSTILE + ERROR_LIKE)


def test_excel_refresh_button_sends_text_with_excels_text_prefix(tmp_path):
    source = write_csv(
        tmp_path / "f.csv",
        [["stage", "count", "base", "unit"]]
        + [[text, str(100 - i), "", "\uff20ZQX"] for i, text in enumerate(HOSTILE + ERROR_LIKE)],
    )
    rows = excel_refresh.rows_for(str(source))
    for row, text in zip(rows, HOSTILE + ERROR_LIKE, strict=False):
        assert row[0][:1] == "'" and row[0][1:].strip() == text.strip() and row[3] == "'\uff20ZQX"
        assert isinstance(row[1], int)


# --------------------------------------------------------------------------------------------
# control characters and the cell limit


CONTROLS = ["\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\ufffe", "\uffff"]


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_refused_with_place_and_nothing_written(tmp_path, char):
    source = tmp_path / "c.csv"
    source.write_bytes(f"stage,count,base\nIdentified,1000,\nVis{char}ited,669,Identified\n".encode())
    out = tmp_path / "out.xlsx"
    result = cli("report", source, "-o", out)
    assert result.returncode == 2 and not out.exists()
    assert f"U+{ord(char):04X}" in result.stderr and "line 3" in result.stderr and "stage" in result.stderr
    book = tmp_path / "book.xlsx"
    book.write_bytes(CLEAN_BOOK.read_bytes())
    result = cli("refresh", book, source, "--table", "Controls")
    assert result.returncode == 2 and f"U+{ord(char):04X}" in result.stderr
    assert book.read_bytes() == CLEAN_BOOK.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "c.csv"]


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\ufffe"], ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_in_spec_refused(tmp_path, char):
    (tmp_path / "data.csv").write_text("stage,count,base\nA,10,\nB,5,A\n", encoding="utf-8")
    (tmp_path / "spec.toml").write_text(f'title = "Visits{char}"\ndata = "data.csv"\n', encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = cli("report", tmp_path / "spec.toml", "-o", out)
    assert result.returncode == 2 and not out.exists()
    assert "title" in result.stderr and "line 1" in result.stderr and "Traceback" not in result.stderr


def test_text_over_the_cell_limit_is_refused_not_cut(tmp_path):
    too_long = "x" * 32_768
    source = write_csv(tmp_path / "long.csv", [["stage", "count", "note"], ["A", "10", too_long], ["B", "5", ""]])
    out = tmp_path / "out.xlsx"
    result = cli("report", source, "-o", out)
    assert result.returncode == 2 and not out.exists()
    assert "32,767" in result.stderr and "line 2" in result.stderr
    book = tmp_path / "book.xlsx"
    book.write_bytes(CLEAN_BOOK.read_bytes())
    result = cli("refresh", book, source, "--table", "Long")
    assert result.returncode == 2 and "32,767" in result.stderr
    assert book.read_bytes() == CLEAN_BOOK.read_bytes()
    (tmp_path / "spec.toml").write_text(f'title = "{too_long}"\ndata = "data.csv"\n', encoding="utf-8")
    (tmp_path / "data.csv").write_text("stage,count,base\nA,10,\nB,5,A\n", encoding="utf-8")
    result = cli("report", tmp_path / "spec.toml", "-o", out)
    assert result.returncode == 2 and "32,767" in result.stderr and not out.exists()


def test_text_at_the_cell_limit_is_written_whole_by_refresh(tmp_path):
    full = "y" * 32_766 + "Z"
    source = write_csv(tmp_path / "full.csv", [["label", "n"], [full, "1"]])
    book = tmp_path / "book.xlsx"
    book.write_bytes(CLEAN_BOOK.read_bytes())
    result = cli("refresh", book, source, "--table", "Full")
    assert result.returncode == 0, result.stderr
    texts = scan_package(book)
    assert full in [t for values in texts.values() for t in values]


@pytest.mark.slow  # over 1.5 s: runs in `make test`, not `make check`
def test_report_refuses_rather_than_cuts_composed_text(tmp_path):
    """Each field is within the limit, but cells composed from them are not: refuse, do not cut."""
    source = write_csv(
        tmp_path / "long.csv",
        [["stage", "count", "base", "note"], ["A", "1000", "", "N" * 32_767], ["B", "669", "A", ""]],
    )
    out = tmp_path / "out.xlsx"
    result = cli("report", source, "-o", out)
    assert result.returncode == 2 and "32,767" in result.stderr and not out.exists(), result.stderr
    assert "Notes" in result.stderr and "Traceback" not in result.stderr
    # the report refresh renders the same layout: refused the same way, workbook unchanged
    report = tmp_path / "report.xlsx"
    assert cli("report", MET_CSV, "-o", report).returncode == 0
    before = report.read_bytes()
    result = cli("refresh", report, source)
    assert result.returncode == 2 and "32,767" in result.stderr, result.stderr
    assert report.read_bytes() == before


@pytest.mark.parametrize("spoil", ["formula", "url", "error", "link-text", "defined-name"])
def test_the_scan_catches_each_kind_of_injection(tmp_path, spoil):
    """The scanner is not vacuous: a workbook spoiled in each way is caught."""
    import xlsxwriter

    path = tmp_path / f"{spoil}.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    if spoil == "formula":
        ws.write_formula(0, 0, "=ZQX()+1", None, 0)
    elif spoil == "url":
        ws.write_url(0, 0, "https://example.invalid/other", string="Other report")
    elif spoil == "error":
        ws.write_formula(0, 0, "=NA()", None, "#N/A")
    elif spoil == "link-text":
        ws.write_url(0, 0, "https://example.org/", string="https://example.org/")
    else:
        wb.define_name("Danger", "=ZQX1")
    wb.close()
    allowed = {"https://example.org/"} if spoil == "link-text" else set()
    with pytest.raises(AssertionError):
        scan_package(path, allowed_urls=allowed)


def test_starter_workbooks_have_no_external_links_dde_or_ole(tmp_path):
    """The starter takes no data, but is opened by every user: no link out, no DDE, no OLE."""
    out = tmp_path / "starter.xlsm"
    result = cli("excel-starter", out)
    assert result.returncode == 0, result.stderr
    for path in (out, HERE.parent / "workbooks" / "xlplugin-starter.xlsx"):
        texts = scan_package(path)
        assert sum(len(v) for v in texts.values()) > 20  # it was read: the sheets have text


def test_committed_example_reports_pass_the_scan():
    met_url = "https://www.lbc.co.uk/news/met-police-anti-violence-scheme-only-62-offenders/"
    for path in sorted((HERE.parent / "workbooks" / "examples").glob("*.xlsx")):
        scan_package(path, allowed_urls={met_url})
