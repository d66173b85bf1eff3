"""`xlplugin report` imports only what the run needs (issue 15): start-up is most of its time.

A bare CSV has no claims and no spec, so neither the claim parser nor the spec reader (nor
tomllib) is imported; an .ods is written without XlsxWriter; openpyxl is never on the path. One
programme without periods needs neither the funnel plot nor the period changes, and the xlsx
post-pass edits parts without the package reader (ooxml.package, defusedxml).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbooks" / "examples"
WATCHED = ("xlplugin.core.claims", "xlplugin.report.sheet_claims", "xlplugin.inputs.spec", "tomllib",
           "xlsxwriter", "openpyxl", "xlplugin.articles", "xlplugin.refresh",
           "xlplugin.core.funnel_plot", "xlplugin.core.changes", "xlplugin.ooxml.package", "defusedxml")  # fmt: skip


def _imported(source: Path, out: Path) -> set[str]:
    code = (
        "import sys, io, contextlib\n"
        "from xlplugin.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    status = main(['report', {str(source)!r}, '-o', {str(out)!r}, '--timestamp', '2021-06-17T00:00:00Z'])\n"
        f"print(status, ','.join(m for m in {WATCHED!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    status, _, modules = done.stdout.strip().partition(" ")
    assert status in ("0", "None"), done.stdout
    assert out.stat().st_size > 0
    return set(filter(None, modules.split(",")))


@pytest.mark.parametrize(
    ("source", "suffix", "expected"),
    [
        ("met-2020-visits.csv", ".xlsx", {"xlsxwriter"}),
        ("met-2020-visits.csv", ".ods", set()),
        (
            "met-2020-visits.toml",
            ".ods",
            {"xlplugin.core.claims", "xlplugin.report.sheet_claims", "xlplugin.inputs.spec", "tomllib"},
        ),  # fmt: skip
        (
            "met-2020-visits.toml",
            ".xlsx",
            {"xlplugin.core.claims", "xlplugin.report.sheet_claims", "xlplugin.inputs.spec", "tomllib", "xlsxwriter"},
        ),  # fmt: skip
    ],
)
def test_report_imports_only_what_the_input_needs(tmp_path, source, suffix, expected):
    assert _imported(EXAMPLES / source, tmp_path / f"out{suffix}") == expected


def test_claim_patterns_are_compiled_on_first_use_only():
    code = (
        "from xlplugin.core import claims\n"
        "before = claims._PERCENT_RE._compiled is None and claims._RATIO_RE._compiled is None\n"
        "claims.parse_claim('9%')\n"
        "print(before, claims._PERCENT_RE._compiled is not None)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
