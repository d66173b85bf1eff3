"""The ooxml-check gate on refreshed corpus workbooks: refresh introduces no error Excel would repair.

Each corpus workbook (tests/data/xlsx, copies of the project's 80-file corpus) gets a new table
sheet with `refresh --table`; ``ooxml_check.diff(original, refreshed)`` must list no introduced
error. The checker lives in ../shared/ooxml-check: under CI=true its absence fails these tests,
locally it skips them. (The session-wide gate over every workbook the tests write is in
tests/ooxml_gate.py.)
"""

from __future__ import annotations

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


def test_refreshed_corpus_workbooks_introduce_no_errors(checker, tmp_path):
    csv = tmp_path / "new.csv"
    csv.write_text(CSV, encoding="utf-8")
    refreshed, refused, problems = 0, {}, []
    for source in CORPUS:
        out = tmp_path / f"out-{source.name}"
        try:
            refresh_table(source, csv, "XlpGate", output=out)
        except InputError as exc:
            refused[source.name] = str(exc).splitlines()[0][-80:]
            continue
        refreshed += 1
        for finding in ooxml_gate.introduced_errors(checker, source, out):
            problems.append(f"{source.name}: {finding.rule} /{finding.part}: {finding.message}")
    print(f"ooxml-check --diff over {len(CORPUS)} corpus workbooks: {refreshed} refreshed, {len(refused)} refused")
    assert problems == [], "\n".join(problems)
    assert refreshed >= len(CORPUS) - 12, refused  # the known refusals: encrypted, bombs, damaged


def test_a_new_report_has_no_errors(checker, tmp_path):
    from xlplugin.report import build_report

    examples = Path(__file__).parent / "data" / "examples"
    for name in ("met-2020-visits.toml", "prevent-channel.csv"):
        out = tmp_path / (Path(name).stem + ".xlsx")
        build_report(examples / name, out)
        errors = ooxml_gate.introduced_errors(checker, None, out)
        assert errors == [], [f"{f.rule} /{f.part}: {f.message}" for f in errors]


def test_only_listed_defects_are_known_and_an_ods_is_not_checked(tmp_path):
    import zipfile

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
