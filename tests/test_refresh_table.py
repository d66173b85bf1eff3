"""`refresh --table` over every workbook of the corpus (tests/data/xlsx, see its ATTRIBUTION.md).

For each workbook: write CSV A as a table on a new sheet, then replace it with a longer CSV B
(one more column) and a shorter CSV C. After each step:
(a) every zip entry but [Content_Types].xml, the workbook part, its rels, docProps/app.xml,
    calcChain.xml and the new parts has the same uncompressed content as in the original;
(b) LibreOffice's export of the new sheet equals the CSV row for row (numbers as numbers);
(c) LibreOffice's export of every original sheet equals its export of the original (cells that
    differ between two exports of the original, i.e. volatile functions, are ignored).

LibreOffice is slow to start, so the exports run in batches of files per soffice call, two calls
at a time (CI has two cores), once per session; the per-workbook tests only compare.
"""

from __future__ import annotations

import concurrent.futures
import re
import shutil
import tempfile
import time
from pathlib import Path

import lo_harness
import pytest
from helpers import zip_entries

from xlplugin.core.errors import InputError
from xlplugin.ooxml.book import open_book
from xlplugin.ooxml.cells import parse_cell
from xlplugin.ooxml.package import open_package, scan
from xlplugin.refresh import refresh_table

DATA = Path(__file__).parent / "data" / "xlsx"
CORPUS = sorted(p for p in DATA.iterdir() if p.suffix in (".xlsx", ".xlsm"))
TABLE = "xlp_refresh_test"

CSV_A = (
    "Area,Count,Rate,Note\n"
    'North,"1,000",0.25,=SUM(1)\n'
    "South,62,-3.5,+cmd|' /C calc'!A0\n"
    '"East, inner",007,12.5,@SUM(1+1)\n'
    "West,,1e3,_x0041_ literal\n"
    'Größe,669,0,"two\nlines"\n'
)
CSV_B = "Area,Count,Rate,Note,Year\n" + "".join(
    f'Region {i},"{i * 1000:,}",{i / 8},note {i},{2000 + i}\n' for i in range(1, 12)
)
CSV_C = 'Area,Count,Rate\nOnly,1,0.5\nTwo,"2,000",-1\n'

EXPECTED = {
    "A": [
        ["Area", "Count", "Rate", "Note"],
        ["North", 1000.0, 0.25, "=SUM(1)"],
        ["South", 62.0, -3.5, "+cmd|' /C calc'!A0"],
        ["East, inner", "007", 12.5, "@SUM(1+1)"],
        ["West", None, "1e3", "_x0041_ literal"],
        ["Größe", 669.0, 0.0, "two\nlines"],
    ],
    "B": [["Area", "Count", "Rate", "Note", "Year"]]
    + [[f"Region {i}", float(i * 1000), i / 8, f"note {i}", float(2000 + i)] for i in range(1, 12)],
    "C": [["Area", "Count", "Rate"], ["Only", 1.0, 0.5], ["Two", 2000.0, -1.0]],
}

ALLOWED_TO_CHANGE = {
    "[content_types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "docprops/app.xml",
    "xl/calcchain.xml",
}

# --------------------------------------------------------------------------------------------
# running the refreshes and the LibreOffice exports once per session


def _refresh_all(work: Path) -> dict:
    """Refresh every corpus workbook three times; returns per-file outputs and refusals."""
    csvs = {}
    for key, text in (("A", CSV_A), ("B", CSV_B), ("C", CSV_C)):
        csvs[key] = work / f"{key}.csv"
        csvs[key].write_text(text, encoding="utf-8", newline="")
    results = {"outputs": {}, "refusals": {}, "new_parts": {}}
    for source in CORPUS:
        outputs = {}
        previous = source
        try:
            for step in "ABC":
                folder = work / step
                folder.mkdir(exist_ok=True)
                out = folder / source.name
                refresh_table(previous, csvs[step], TABLE, output=out)
                outputs[step] = out
                previous = out
        except InputError as exc:
            results["refusals"][source.name] = str(exc)
        results["outputs"][source.name] = outputs
    return results


def _export_batch(files: list[Path], outdir: Path) -> None:
    """One soffice call exporting every sheet of several workbooks (text cells quoted)."""
    outdir.mkdir(parents=True, exist_ok=True)
    lo_harness._run_soffice(
        ["--convert-to", lo_harness.CSV_FILTER_ALL_SHEETS_QUOTED, "--outdir", str(outdir), *[str(f) for f in files]],
        recalc=True,
        timeout=900,
    )


def _read_exports(workbook: Path, outdir: Path) -> dict[str, list[list]]:
    """Sheet name -> rows of typed values (float, str or None) from LibreOffice's CSVs."""
    stem = workbook.stem
    sheets = {}
    single = outdir / f"{stem}.csv"
    if single.exists():
        names = lo_harness.sheet_names(workbook)
        paths = {names[0] if names else stem: single}
    else:
        paths = {p.name[len(stem) + 1 : -4]: p for p in outdir.glob(f"{lo_harness.glob_escape(stem)}-*.csv")}
    for name, path in paths.items():
        rows = lo_harness._split_csv(path.read_text(encoding="utf-8-sig"), keep_quoting=True)
        sheets[name] = [
            [(text if quoted else (None if text == "" else lo_harness.parse_cell(text))) for text, quoted in row]
            for row in rows
        ]
    return sheets


def _export_all(jobs: list[tuple[str, list[Path], Path]]) -> None:
    """Run export jobs in batches of 12 files, two soffice processes at a time."""
    batches = []
    for _label, files, outdir in jobs:
        for i in range(0, len(files), 12):
            batches.append((files[i : i + 12], outdir))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(_export_batch, files, outdir) for files, outdir in batches]:
            future.result()


@pytest.fixture(scope="session")
def corpus_run():
    work = Path(tempfile.mkdtemp(prefix="xlplugin-refresh-corpus-"))
    started = time.perf_counter()
    results = _refresh_all(work)
    results["refresh_seconds"] = time.perf_counter() - started
    results["work"] = work
    yield results
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def corpus_exports(corpus_run):
    lo_harness.require_soffice()
    work = corpus_run["work"]
    started = time.perf_counter()
    originals = [DATA / name for name, outs in corpus_run["outputs"].items() if outs]
    jobs = [("original-1", originals, work / "lo-original-1"), ("original-2", originals, work / "lo-original-2")]
    for step in "ABC":
        files = [outs[step] for outs in corpus_run["outputs"].values() if step in outs]
        jobs.append((step, files, work / f"lo-{step}"))
    _export_all(jobs)
    exports = {}
    for name, outs in corpus_run["outputs"].items():
        if not outs:
            continue
        exports[name] = {
            "original-1": _read_exports(DATA / name, work / "lo-original-1"),
            "original-2": _read_exports(DATA / name, work / "lo-original-2"),
        }
        for step, path in outs.items():
            exports[name][step] = _read_exports(path, work / f"lo-{step}")
    exports["_seconds"] = time.perf_counter() - started
    print(f"\nLibreOffice exports of {len(originals)} workbooks x 5: {exports['_seconds']:.1f} s")
    return exports


# --------------------------------------------------------------------------------------------
# the acceptance checks

#: Workbooks refresh must refuse, and why (anything else refused is a failure).
EXPECTED_REFUSALS = {
    "poi__workbookProtection-workbook_password-2013.xlsx": "structure is protected",
}


def test_corpus_is_complete():
    assert len(CORPUS) == 80
    attribution = (DATA / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for path in CORPUS:
        assert f"| {path.name} |" in attribution


def test_refusals_are_the_expected_ones(corpus_run):
    refusals = corpus_run["refusals"]
    assert set(refusals) == set(EXPECTED_REFUSALS), refusals
    for name, reason in EXPECTED_REFUSALS.items():
        assert reason in refusals[name]
    refreshed = sum(1 for outs in corpus_run["outputs"].values() if len(outs) == 3)
    print(
        f"\nrefreshed {refreshed} of {len(CORPUS)} workbooks 3x in {corpus_run['refresh_seconds']:.1f} s; "
        f"refused: {refusals}"
    )
    assert refreshed == len(CORPUS) - len(EXPECTED_REFUSALS)


# workbooks expected to be refused are checked by test_refusals_are_the_expected_ones
REFRESHED = [p for p in CORPUS if p.name not in EXPECTED_REFUSALS]


@pytest.mark.parametrize("source", REFRESHED, ids=[p.name for p in REFRESHED])
def test_other_entries_keep_their_content(corpus_run, source):
    outputs = corpus_run["outputs"][source.name]
    assert outputs, f"refused: {corpus_run['refusals'].get(source.name)}"
    before = zip_entries(source)
    for step, path in outputs.items():
        after = zip_entries(path)
        after_lower = {name.lower(): name for name in after}
        for name, data in before.items():
            if name.lower() in ALLOWED_TO_CHANGE:
                continue
            assert name.lower() in after_lower, f"{step}: {name} vanished"
            assert after[after_lower[name.lower()]] == data, f"{step}: {name} changed"
        new = {name for name in after if name not in before}
        assert len(new) == 3, (step, new)  # the sheet, its rels, the table
        kinds = sorted("rels" if n.endswith(".rels") else n.split("/")[-2] for n in new)
        assert kinds == ["rels", "tables", "worksheets"], new
        assert not any(
            name.lower().endswith("sharedstrings.xml") or name.lower().endswith("styles.xml") for name in new
        )


VOLATILE = re.compile(r"\b(RAND|RANDBETWEEN|RANDARRAY|NOW|TODAY|OFFSET|INDIRECT|CELL|INFO)\s*\(", re.I)


def volatile_cells(source: Path) -> dict[str, set[tuple[int, int]]]:
    """Sheet name -> (row, column) of cells whose formula calls a volatile function.

    Two exports of the original can agree by chance (RANDBETWEEN(1,5)), so these cells are
    excluded by reading the formulas too.
    """
    out: dict[str, set[tuple[int, int]]] = {}
    with open_package(source) as package:
        book = open_book(package, source)
        for sheet in book.sheets:
            if sheet.part is None or sheet.kind != "worksheet":
                continue
            data = package.read(sheet.part)
            cells = set()
            for c in scan(data).iter("c"):
                f = c.find("f")
                if f is not None and c.attrs.get("r") and VOLATILE.search(f.inner(data).decode("utf-8", "replace")):
                    cells.add(parse_cell(c.attrs["r"]))
            out[sheet.name] = cells
    return out


def _same_value(got, want) -> bool:
    if isinstance(want, float):
        return isinstance(got, float) and abs(got - want) <= 1e-12 * max(1.0, abs(want))
    return got == want


@pytest.mark.libreoffice
@pytest.mark.parametrize("source", REFRESHED, ids=[p.name for p in REFRESHED])
def test_libreoffice_sees_the_table_and_the_original_sheets(corpus_run, corpus_exports, source):
    outputs = corpus_run["outputs"][source.name]
    assert outputs, f"refused: {corpus_run['refusals'].get(source.name)}"
    exports = corpus_exports[source.name]
    first, second = exports["original-1"], exports["original-2"]
    assert first, "LibreOffice exported no sheet of the original"
    volatile = volatile_cells(source)
    for step in "ABC":
        got = exports[step]
        # (b) the new sheet, row for row, numbers as numbers and text as text
        assert TABLE in got, f"{step}: no export of the new sheet among {sorted(got)}"
        rows = [row for row in got[TABLE] if any(cell is not None for cell in row)]
        want = EXPECTED[step]
        assert len(rows) == len(want), (step, rows)
        for r, (got_row, want_row) in enumerate(zip(rows, want, strict=False)):
            got_row = got_row + [None] * (len(want_row) - len(got_row))
            for c, (g, w) in enumerate(zip(got_row, want_row, strict=False)):
                assert _same_value(g, w), f"{step} row {r + 1} column {c + 1}: {g!r} != {w!r}"
            assert all(cell is None for cell in got_row[len(want_row) :])
        # (c) every original sheet as before, except cells that differ between two original exports
        assert set(got) - {TABLE} == set(first), step
        for sheet, rows_before in first.items():
            rows_again = second.get(sheet, [])
            rows_after = got[sheet]
            height = max(len(rows_before), len(rows_after), len(rows_again))
            for r in range(height):
                b = rows_before[r] if r < len(rows_before) else []
                a = rows_after[r] if r < len(rows_after) else []
                b2 = rows_again[r] if r < len(rows_again) else []
                width = max(len(a), len(b), len(b2))
                for c in range(width):
                    vb = b[c] if c < len(b) else None
                    va = a[c] if c < len(a) else None
                    vb2 = b2[c] if c < len(b2) else None
                    if vb != vb2 or (r + 1, c + 1) in volatile.get(sheet, ()):
                        continue  # volatile (RAND, NOW, ...): differs between two exports of the original
                    assert va == vb or (
                        isinstance(va, float) and isinstance(vb, float) and abs(va - vb) <= 1e-9 * max(1, abs(vb))
                    ), f"{step}: sheet {sheet!r} cell row {r + 1} column {c + 1}: {vb!r} -> {va!r}"
