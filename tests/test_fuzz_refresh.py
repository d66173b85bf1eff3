"""A short run of the refresh fuzz target (fuzz/fuzz_refresh.py), for CI, and its findings kept as tests.

The long run is `python fuzz/fuzz_refresh.py --minutes 25`; here 200 mutated corpus workbooks
(under a minute) must each be refused cleanly or written as a workbook our reader reopens, and a
sample of the written ones must open in LibreOffice whenever the mutated input did.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cli_runner import run_xlplugin
from helpers import fuzz_module, rezip

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "xlsx"


fuzz = fuzz_module("fuzz_refresh")


@pytest.mark.slow  # tens of seconds: run by `make test`, not by `make check`
def test_short_fuzz_run_has_no_findings():
    stats = fuzz.run(200, seed=2026)
    assert stats.executions == 200
    assert not stats.findings, stats.findings[:3]
    # not vacuous: the mutations both break workbooks and leave some usable
    assert stats.refused >= 20 and stats.written >= 20, (stats.refused, stats.written)


def test_mutators_change_the_workbook():
    data = (CORPUS / "calamine__date.xlsx").read_bytes()
    rng = random.Random(5)
    changed = sum(fuzz.mutate(data, rng)[0] != data for _ in range(50))
    assert changed >= 45


@pytest.mark.libreoffice
def test_sampled_outputs_open_in_libreoffice(tmp_path):
    """Outputs of mutated workbooks open in LibreOffice whenever the mutated input does."""
    from lo_harness import require_soffice

    require_soffice()
    files = fuzz.sources()
    originals = {p: p.read_bytes() for p in files}
    pairs = []
    i = 0
    while len(pairs) < 4 and i < 400:
        rng = random.Random(77_000 + i)
        source = rng.choice(files)
        data, _notes = fuzz.mutate(originals[source], rng)
        outcome = fuzz.execute(source, data, rng, tmp_path / "run")
        assert outcome.kind != "finding", outcome.detail
        if outcome.kind == "written":
            keep = tmp_path / f"pair{len(pairs)}"
            keep.mkdir()
            (keep / f"in{source.suffix}").write_bytes(data)
            shutil.copy(outcome.output, keep / f"out{source.suffix}")
            pairs.append((keep / f"in{source.suffix}", keep / f"out{source.suffix}"))
        i += 1
    assert len(pairs) == 4
    opened = 0
    for mutated, output in pairs:
        if fuzz.lo_opens(output, output.parent / "lo-out"):
            opened += 1
        else:
            assert not fuzz.lo_opens(mutated, mutated.parent / "lo-in"), f"LibreOffice opens {mutated} but not {output}"
    assert opened >= 2


def _with_declaration(source: Path, part: str, encoding: str, target: Path) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = f'<?xml version="1.0" encoding="{encoding}" standalone="yes"?>'.encode() + body
            zout.writestr(info, data)
    target.write_bytes(out.getvalue())
    return target


@pytest.mark.parametrize("part", ["xl/workbook.xml", "docProps/app.xml"])
@pytest.mark.parametrize("encoding", ["UTF-99999999999999999999", "A1", "UTF-1e308"])
def test_unknown_xml_encoding_is_refused_not_a_crash(tmp_path, part, encoding):
    """Found by the long fuzz run: an XML declaration naming an unknown encoding crashed refresh."""
    book = _with_declaration(CORPUS / "calamine__date_1904.xlsx", part, encoding, tmp_path / "book.xlsx")
    before = book.read_bytes()
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "xlplugin.cli", "refresh", str(book), str(tmp_path / "t.csv"), "--table", "Fuzzed"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "t.csv"]
    if part == "docProps/app.xml" and result.returncode == 0:
        # refresh may leave an unreadable app.xml alone (it only lists sheet titles)
        from xlplugin.ooxml.package import open_package

        with open_package(book) as package:
            assert package.read("docProps/app.xml") == zipfile.ZipFile(io.BytesIO(before)).read(part)
        return
    assert result.returncode == 2, result.stderr
    assert "internal error" not in result.stderr and part in result.stderr
    assert book.read_bytes() == before


def _cli(*args) -> subprocess.CompletedProcess:
    return run_xlplugin(*args, text=True, timeout=300)


def _prevent_report(tmp_path: Path) -> tuple[Path, Path]:
    csv = ROOT / "tests" / "data" / "examples" / "prevent-channel.csv"
    report = tmp_path / "report.xlsx"
    made = _cli("report", csv, "-o", report)
    assert made.returncode == 0, made.stderr
    return report, csv


def _assert_refused_unchanged(result: subprocess.CompletedProcess, book: Path, before: bytes) -> None:
    assert "internal error" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert "the workbook is damaged" in result.stderr
    assert book.read_bytes() == before


def test_report_missing_a_sheet_part_is_refused_not_a_crash(tmp_path):
    report, csv = _prevent_report(tmp_path)
    damaged = rezip(
        report, tmp_path / "damaged.xlsx", lambda name, data: None if name == "xl/worksheets/sheet2.xml" else data
    )
    before = damaged.read_bytes()
    _assert_refused_unchanged(_cli("refresh", damaged, csv), damaged, before)


@pytest.mark.parametrize("bad", ["", "x", "1.5"])
def test_row_with_a_bad_r_attribute_is_refused_not_a_crash(tmp_path, bad):
    def edit(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b'<row r="2"', f'<row r="{bad}"'.encode(), 1)
        return data

    book = rezip(CORPUS / "calamine__table-multiple.xlsx", tmp_path / "book.xlsx", edit)
    before = book.read_bytes()
    (tmp_path / "t.csv").write_text("Item,Qty,Price\na,1,2\nb,3,4\n", encoding="utf-8")
    _assert_refused_unchanged(_cli("refresh", book, tmp_path / "t.csv", "--table", "Inventory"), book, before)


def test_report_cell_with_a_bad_reference_is_refused_not_a_crash(tmp_path):
    import re

    report, csv = _prevent_report(tmp_path)

    def edit(name, data):
        if name.startswith("xl/worksheets/sheet"):
            return re.sub(rb'<c r="([A-Z]+)(1[0-9])"', rb'<c r="\1\2x"', data, count=1)
        return data

    damaged = rezip(report, tmp_path / "damaged.xlsx", edit)
    before = damaged.read_bytes()
    _assert_refused_unchanged(_cli("refresh", damaged, csv), damaged, before)


@pytest.mark.parametrize("bad", ["", "B11:", "7:11"])
def test_other_table_with_a_bad_ref_is_refused_not_a_crash(tmp_path, bad):
    def edit(name, data):
        if name == "xl/tables/table4.xml":  # Sales_Bob, A7:B11, beside Sales_Alice on sheet 3
            return data.replace(b'ref="A7:B11"', f'ref="{bad}"'.encode())
        return data

    book = rezip(CORPUS / "calamine__table-multiple.xlsx", tmp_path / "book.xlsx", edit)
    before = book.read_bytes()
    (tmp_path / "t.csv").write_text("Name,Sales\na,1\nb,2\n", encoding="utf-8")
    _assert_refused_unchanged(_cli("refresh", book, tmp_path / "t.csv", "--table", "Sales_Alice"), book, before)


# Found by the ooxml-check gate on fuzzed workbooks: a new sheet must not inherit what a damaged
# package still says about a part or relationship it lost (TB-SHARED-PART, RID-UNRESOLVED).

TABLE_MULTIPLE = CORPUS / "calamine__table-multiple.xlsx"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


def _add_fresh_table(tmp_path: Path, edit) -> dict[str, str]:
    book = rezip(TABLE_MULTIPLE, tmp_path / "book.xlsx", edit)
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    from xlplugin.refresh import refresh_table

    refresh_table(book, tmp_path / "t.csv", "Fresh")
    with zipfile.ZipFile(book) as z:
        return {name: z.read(name).decode("utf-8") for name in z.namelist() if name.endswith((".xml", ".rels"))}


def _new_sheet(parts: dict[str, str]) -> tuple[str, str]:
    """(r:id, worksheet part) of the sheet Fresh."""
    import re

    rid = re.search(r'<sheet name="Fresh"[^>]*r:id="([^"]+)"', parts["xl/workbook.xml"]).group(1)
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', parts[WORKBOOK_RELS]).group(1)
    return rid, target


def test_a_new_sheet_never_takes_the_id_of_a_lost_relationship(tmp_path):
    def edit(name, data):
        if name == "xl/workbook.xml":  # Sheet3 names rId7, which the relationships (rId1-rId6) lack
            data = data.replace(
                b'<sheet name="Sheet3" sheetId="3" r:id="rId3"/>', b'<sheet name="Sheet3" sheetId="3" r:id="rId7"/>'
            )
            assert b'"rId7"' in data
        return data

    parts = _add_fresh_table(tmp_path, edit)
    rid, target = _new_sheet(parts)
    assert rid == "rId8" and target == "worksheets/sheet4.xml"
    assert 'Id="rId7"' not in parts[WORKBOOK_RELS]  # Sheet3 still names nothing, not the new sheet


def test_a_new_sheet_never_takes_the_name_of_a_lost_part(tmp_path):
    # sheet3.xml lost, but the workbook's relationship and sheet3.xml.rels still claim its name
    parts = _add_fresh_table(tmp_path, lambda name, data: None if name == "xl/worksheets/sheet3.xml" else data)
    _rid, target = _new_sheet(parts)
    assert target == "worksheets/sheet4.xml" and "xl/worksheets/sheet3.xml" not in parts


def test_a_tab_past_the_last_sheet_does_not_become_the_new_one(tmp_path):
    def edit(name, data):
        if name == "xl/workbook.xml":
            data = data.replace(b'<workbookView xWindow="720"', b'<workbookView activeTab="3" xWindow="720"')
        return data

    parts = _add_fresh_table(tmp_path, edit)
    assert '<workbookView activeTab="0" xWindow="720"' in parts["xl/workbook.xml"]


def test_relationships_stored_under_another_spelling_are_refused_when_one_is_added(tmp_path):
    renamed = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(TABLE_MULTIPLE) as zin, zipfile.ZipFile(renamed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == WORKBOOK_RELS:
                info.filename = WORKBOOK_RELS.upper()
            zout.writestr(info, data)
    before = renamed.read_bytes()
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = _cli("refresh", renamed, tmp_path / "t.csv", "--table", "Fresh")
    _assert_refused_unchanged(result, renamed, before)
    assert "XL/_RELS/WORKBOOK.XML.RELS is not spelled 'xl/_rels/workbook.xml.rels'" in result.stderr


def test_a_new_sheet_never_takes_the_sheet_id_of_a_damaged_sheet(tmp_path):
    import re

    def edit(name, data):
        if name == "xl/workbook.xml":  # Sheet3's element damaged: its sheetId 3 is still spelled (and in calcChain)
            data = data.replace(b'<sheet name="Sheet3" sheetId="3"', b'<c name="Sheet3" sheetId="3"')
        return data

    parts = _add_fresh_table(tmp_path, edit)
    assert re.findall(r'<sheet name="Fresh" sheetId="(\d+)"', parts["xl/workbook.xml"]) == ["4"]
