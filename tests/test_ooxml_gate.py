"""The ooxml-check gate on refreshed corpus workbooks: refresh introduces no error Excel would repair.

Each corpus workbook (tests/data/xlsx, copies of the project's 80-file corpus) gets a new table
sheet with `refresh --table`; ``ooxml_check.diff(original, refreshed)`` must list no introduced
error. One test per workbook, so pytest-xdist spreads them over the cores. The checker lives in
../shared/ooxml-check: under CI=true its absence fails these tests, locally it skips them. (The
session-wide gate over every workbook the tests write is in tests/ooxml_gate.py.)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import ooxml_gate
import pytest
from oracles import unavailable

from xlplugin.core.errors import InputError
from xlplugin.refresh import refresh_table

DATA = Path(__file__).parent / "data" / "xlsx"
CORPUS = sorted(p for p in DATA.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))
CSV = "Region,Amount,Note\nNorth,1000,=not a formula\nSouth,2.5,\n"


@pytest.fixture(scope="module")
def checker():
    module = ooxml_gate.load_checker()
    if module is None:
        unavailable("../shared/ooxml-check/ooxml_check.py is missing (set XLPLUGIN_OOXML_CHECK to its path)")
    return module


def test_the_checker_is_there(checker):
    assert hasattr(checker, "diff") and hasattr(checker, "check")


#: The corpus workbooks refresh refuses, with a word of its message: they are not checked.
REFUSED = {"poi__workbookProtection-workbook_password-2013.xlsx": "protected"}

#: The eight whose check takes most of the time (about 85% of the corpus's): `make test` runs them,
#: `make check` does not.
SLOW = {
    "closedxml__TemplateWithTableSourcePivotTables.xlsx",
    "closedxml__tdf111974.xlsm",
    "exceljs__test-issue-880.xlsx",
    "poi__46535.xlsx",
    "poi__57181.xlsm",
    "poi__StructuredRefs-lots-with-lookups.xlsx",
    "poi__dataValidationTableRange.xlsx",
    "poi__mv-calculator-final-2-20-2013.xlsm",
}


def test_the_slow_and_refused_workbooks_are_in_the_corpus():
    names = {p.name for p in CORPUS}
    assert SLOW.issubset(names) and set(REFUSED).issubset(names)
    assert len(CORPUS) >= 80


@pytest.mark.parametrize(
    "source", [pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW else p for p in CORPUS], ids=lambda p: p.name
)
def test_refreshed_corpus_workbook_introduces_no_errors(checker, tmp_path, source):
    csv = tmp_path / "new.csv"
    csv.write_text(CSV, encoding="utf-8")
    # a copy: refresh locks its input, and test_refresh_table.py refreshes the same corpus on another xdist worker
    book = tmp_path / source.name
    shutil.copyfile(source, book)
    out = tmp_path / f"out-{source.name}"
    try:
        refresh_table(book, csv, "XlpGate", output=out)
    except InputError as exc:
        assert source.name in REFUSED, f"refresh refused {source.name}: {exc}"
        assert REFUSED[source.name] in str(exc)
        return
    assert source.name not in REFUSED, "refresh no longer refuses it: take it out of REFUSED"
    problems = [
        f"{source.name}: {f.rule} /{f.part}: {f.message}" for f in ooxml_gate.introduced_errors(checker, source, out)
    ]
    assert problems == [], "\n".join(problems)


def test_a_new_report_has_no_errors(checker, tmp_path):
    from xlplugin.report import build_report

    examples = Path(__file__).parent / "data" / "examples"
    for name in ("met-2020-visits.toml", "prevent-channel.csv"):
        out = tmp_path / (Path(name).stem + ".xlsx")
        build_report(examples / name, out)
        errors = ooxml_gate.introduced_errors(checker, None, out)
        assert errors == [], [f"{f.rule} /{f.part}: {f.message}" for f in errors]


def test_only_listed_defects_are_known_and_an_ods_is_not_checked(tmp_path, monkeypatch):
    import zipfile

    assert ooxml_gate.KNOWN_DEFECTS == ()  # every defect the gate found is fixed
    assert not ooxml_gate.is_known("tests/test_fuzz_refresh.py::test_short_fuzz_run_has_no_findings", "TB-SHARED-PART")
    monkeypatch.setattr(ooxml_gate, "KNOWN_DEFECTS", (("tests/test_fuzz_refresh.py::", "TB-SHARED-PART"),))
    assert ooxml_gate.is_known("tests/test_fuzz_refresh.py::test_short_fuzz_run_has_no_findings", "TB-SHARED-PART")
    assert not ooxml_gate.is_known("tests/test_fuzz_refresh.py::test_short_fuzz_run_has_no_findings", "CT-NONE")
    assert not ooxml_gate.is_known("tests/test_report.py::test_x", "WB-NAME-DUP")
    ods = tmp_path / "a.ods"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    xlsx = tmp_path / "a.xlsx"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    assert not ooxml_gate._is_zip(ods)
    assert ooxml_gate._is_zip(xlsx)


def test_workbooks_written_by_child_processes_are_logged_with_their_test(tmp_path):
    """The gate sees what `xlplugin ...` run as a subprocess writes: each write, with the file it replaced."""
    import subprocess
    import sys

    met = Path(__file__).parent / "data" / "examples" / "met-2020-visits.csv"
    out, other = tmp_path / "report.xlsx", tmp_path / "exempt.xlsx"

    def cli(*args) -> None:
        done = subprocess.run([sys.executable, "-m", "xlplugin.cli", *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    recorder = ooxml_gate.Recorder()
    recorder.install()
    try:
        recorder.test = "tests/test_x.py::test_child"
        cli("report", met, "-o", out, "--timestamp", "2024-01-02T03:04:05")
        first = out.read_bytes()
        cli("refresh", out, met)
        recorder.set_exempt(True)
        cli("report", met, "-o", other)
        recorder.set_exempt(False)
        written = recorder.written
    finally:
        recorder.uninstall()
    try:
        assert [(w.test, w.before is None) for w in written] == [
            ("tests/test_x.py::test_child", True),
            ("tests/test_x.py::test_child", False),
        ]
        assert written[0].after.read_bytes() == first == written[1].before.read_bytes()
        assert written[1].after.read_bytes() == out.read_bytes() != first
        assert os.environ.get("XLPLUGIN_WRITE_LOG_TEST") != "tests/test_x.py::test_child"  # restored
        if ooxml_gate.load_checker() is not None:
            checked, problems = recorder.verdict()
            assert (checked, problems, recorder.checker_runs) == (2, [], 2)
    finally:
        recorder.cleanup()


def test_worker_verdicts_add_up_and_a_shared_line_is_said_once():
    """Under pytest-xdist each worker sends `Recorder.summary()`; the controller merges them."""
    missing = "the ooxml-check gate is on but ../shared/ooxml-check/ooxml_check.py is missing"
    controller = {"checked": 0, "runs": 0, "problems": [], "known": []}
    one = {
        "checked": 3,
        "runs": 2,
        "problems": ["t.py::a: CT-NONE /x: bad"],
        "known": ["t.py::k: RID-UNRESOLVED /y: m"],
    }
    two = {"checked": 4, "runs": 4, "problems": ["t.py::b: WB-NAME-DUP /z: twice", missing], "known": []}
    three = {"checked": 0, "runs": 0, "problems": [missing], "known": ["t.py::j: TB-SHARED-PART /w: n"]}
    verdict = ooxml_gate.merge([controller, one, two, three])
    assert verdict == {
        "checked": 7,
        "runs": 6,
        "problems": ["t.py::a: CT-NONE /x: bad", "t.py::b: WB-NAME-DUP /z: twice", missing],
        "known": ["t.py::k: RID-UNRESOLVED /y: m", "t.py::j: TB-SHARED-PART /w: n"],
    }
    lines = ooxml_gate.report_lines(verdict)
    assert lines[0] == (
        "ooxml-check gate: 7 workbooks written by the tests (and the processes they ran) checked (6 distinct), "
        "3 introduced error(s)"
    )
    assert lines[1:4] == verdict["problems"]
    assert lines[4].startswith("ooxml-check gate: 2 finding(s) of known defects")
    assert lines[5:] == verdict["known"]
    assert ooxml_gate.report_lines(ooxml_gate.merge([controller])) == [
        "ooxml-check gate: 0 workbooks written by the tests (and the processes they ran) checked (0 distinct), "
        "0 introduced error(s)"
    ]
