"""The article checker (`xlplugin check`): the founding article and the readers' formats.

The founding case's files are copied from the project's shared examples into
tests/data/articles/ (see its README for attribution), so these tests need nothing outside the
repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_xlplugin

from tests.article_scoring import VERDICTS, expected_rows, score
from xlplugin.articles.check import check_text, find_claims
from xlplugin.inputs.spec import load_input

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "articles"
LBC = DATA / "01-lbc-met-visits-2021"


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return run_xlplugin(*args, input=stdin, cwd=ROOT)


def lbc_text() -> str:
    return LBC.with_suffix(".txt").read_text(encoding="utf-8")


def test_founding_article_every_claim_row_found_with_kind_and_verdict():
    proc = run_cli("check", str(LBC.with_suffix(".txt")), str(LBC.with_suffix(".csv")), "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    doc = json.loads(proc.stdout)
    assert set(doc) == {"source", "input", "claims", "ignored"}
    text = lbc_text()
    rows = expected_rows(text, LBC.with_suffix(".expected.tsv"))
    result = score("lbc", rows, doc["claims"])
    assert result.problems == []
    assert result.found == result.claim_rows == 13
    # offsets are into the text as read, and the quote is that slice
    for c in doc["claims"] + doc["ignored"]:
        assert text[c["start"] : c["end"]] == c["quote"]
        assert text.count("\n", 0, c["start"]) + 1 == c["line"]
    # the not-a-claim rows are all set aside (none reported as claims: checked by score) and listed
    not_claims = [r for r in rows if r.kind == "not-a-claim"]
    for r in not_claims:
        assert any(i["start"] < r.end and r.start < i["end"] for i in doc["ignored"]), r.quote


def test_founding_article_verdicts_and_definitions():
    funnel, _spec, _path = load_input(LBC.with_suffix(".csv"))
    result = check_text(lbc_text(), funnel)
    by_quote = {c.quote: c for c in result.claims}
    six = by_quote["just 6%"]
    assert six.verdict.verdict == "reproduced"
    assert six.definition == "62 interested in diversion of 1,000 identified for a visit = 6.2%"
    nine = by_quote["9%"]
    assert (nine.verdict.best.numerator, nine.verdict.best.denominator) == (("Interested in diversion",), "Visited")
    twelve = by_quote["12%"]
    assert twelve.verdict.verdict == "reproduced_invalid"
    assert twelve.verdict.best.numerator == ("Interested in diversion", "Contacted police about diversion")
    assert "not a subset" in twelve.definition
    assert by_quote["just 669 were visited"].verdict.best.numerator == ("Visited",)
    reasons = {i.quote: i.reason for i in result.ignored}
    assert reasons["6-8 weeks"] == "a duration"
    assert reasons["at least three times in the last year"] == "a threshold or selection criterion"
    assert reasons["2019"] == "a year"
    assert reasons["2"] == "part of a name"


def test_terminal_output_lists_claims_in_order_with_line_kind_verdict_and_definition():
    proc = run_cli("check", str(LBC.with_suffix(".txt")), str(LBC.with_suffix(".csv")))
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert "line 20: \u201cjust 6%\u201d  rate, reproduced\n" in out
    assert "    62 interested in diversion of 1,000 identified for a visit = 6.2%\n" in out
    assert "line 44: \u201c12%\u201d  rate, reproduced only by an invalid definition\n" in out
    assert out.index("just 6%") < out.index("just over 6%") < out.index("\u201c9%") < out.index("\u201c12%")


def test_standard_input_is_read_as_plain_text():
    body = b"Of the 669 visited, just 62 were interested: 9%."
    proc = run_cli("check", "-", str(LBC.with_suffix(".csv")), "--json", stdin=body)
    assert proc.returncode == 0, proc.stderr.decode()
    doc = json.loads(proc.stdout)
    assert doc["source"] == "<stdin>"
    kinds = [(c["quote"], c["kind"], c["verdict"]) for c in doc["claims"]]
    assert ("9%", "rate", "reproduced") in kinds


def test_bad_inputs_exit_2_with_a_message_and_no_traceback(tmp_path):
    missing = run_cli("check", str(tmp_path / "nope.txt"), str(LBC.with_suffix(".csv")))
    assert missing.returncode == 2 and b"Traceback" not in missing.stderr
    assert b"nope.txt" in missing.stderr
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x81\x8d\x8f\x90\x9d")  # undefined in both UTF-8 and cp1252
    proc = run_cli("check", str(bad), str(LBC.with_suffix(".csv")))
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr and b"bad.txt" in proc.stderr
    proc = run_cli("check", str(LBC.with_suffix(".txt")), str(LBC.with_suffix(".csv")), "--programme", "X")
    assert proc.returncode == 2 and b"programme 'X'" in proc.stderr


def test_output_workbook_holds_the_article_claims(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "r.xlsx"
    proc = run_cli("check", str(LBC.with_suffix(".txt")), str(LBC.with_suffix(".csv")), "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    wb = openpyxl.load_workbook(out)
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    joined = "\n".join(cells)
    assert "line 20: \u201cjust 6%\u201d (reproduced)" in joined
    assert "line 44: \u201c12%\u201d (reproduced_invalid)" in joined
    # writing refuses to overwrite without --force, and writes nothing on bad input
    again = run_cli("check", str(LBC.with_suffix(".txt")), str(LBC.with_suffix(".csv")), "-o", str(out))
    assert again.returncode == 2


def test_finder_alone_needs_no_funnel():
    found, ignored = find_claims(lbc_text())
    assert [f.kind for f in found].count("rate") == 4
    assert VERDICTS["reproduced-not-subset"] == "reproduced_invalid"


def lbc_columns():
    import csv

    with LBC.with_suffix(".csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    stages = [[r["stage"]] for r in rows]
    counts = [[float(r["count"])] for r in rows]
    bases = [[r["base"] or None] for r in rows]
    units = [[r["unit"]] for r in rows]
    return stages, counts, bases, units


def test_uptake_check_spills_one_row_per_claim():
    from xlplugin.udfs import UPTAKE_CHECK

    body = lbc_text().split("\n---\n", 1)[1]
    got = UPTAKE_CHECK(body, *lbc_columns())
    assert got[0] == ["quote", "kind", "verdict", "definition", "value"]
    rows = {r[0]: r for r in got[1:]}
    assert len(got) == 14
    assert rows["just 6%"][1:4] == [
        "rate",
        "reproduced",
        "62 interested in diversion of 1,000 identified for a visit = 6.2%",
    ]
    assert rows["just 6%"][4] == pytest.approx(0.062, abs=1e-12)
    assert rows["12%"][2] == "reproduced_invalid"
    assert rows["12%"][4] == pytest.approx(82 / 669, abs=1e-12)
    assert rows["just 669 were visited"][1:3] == ["count", "reproduced"] and rows["just 669 were visited"][4] == 669
    # a column of paragraphs reads as the same text
    paragraphs = [[p] for p in body.split("\n\n") if p.strip()]
    assert UPTAKE_CHECK(paragraphs, *lbc_columns()) == got


def test_uptake_check_imports_no_reader():
    code = (
        "import sys; from xlplugin.udfs import UPTAKE_CHECK; "
        "print(UPTAKE_CHECK('Just 62 of the 669 visited, 9%.', [['A'], ['B']], [[669.0], [62.0]])); "
        "print(sorted(m for m in ('trafilatura', 'pypdf', 'docx', 'lxml') if m in sys.modules))"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    assert "'9%', 'rate', 'reproduced'" in first
    assert second == "[]"


def test_fast_exact_matching_agrees_with_the_claims_module_on_every_collected_text():
    """The adapter's exact-count shortcut finds the definitions `check_claim` finds, in order."""
    from xlplugin.articles import verdicts
    from xlplugin.core import claims

    checked = 0
    for tsv in sorted(DATA.glob("*.expected.tsv")):
        base = tsv.with_name(tsv.name.removesuffix(".expected.tsv"))
        funnel, _spec, _path = load_input(base.with_suffix(".csv"))
        text = base.with_suffix(".txt").read_text(encoding="utf-8")
        for c in check_text(text, funnel).claims:
            try:
                parsed = claims.parse_claim(verdicts.claim_text(c.finding, text, verdicts._vocabulary(funnel)))
            except claims.ClaimError:
                continue
            for programme in [None, *[p.name for p in funnel.programmes if p.name]]:
                if parsed.kind == "rate":
                    fast = verdicts.exact_rate_matches(parsed, funnel, programme)
                elif parsed.kind == "count":
                    fast = verdicts.exact_count_matches(parsed, funnel, programme)
                else:
                    continue
                if fast is None:
                    continue  # inexact counts: the claims module weighs them itself
                core = claims.check_claim(parsed, funnel, programme).matches
                assert fast == tuple(core), (base.name, c.quote, programme)
                checked += 1
    assert checked > 200


def test_checking_plain_text_imports_no_reader_nor_spreadsheet_library():
    code = (
        "import sys, io, contextlib\n"
        "from xlplugin.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main(['check', {str(LBC.with_suffix('.txt'))!r},"
        f" {str(LBC.with_suffix('.csv'))!r}])\n"
        "print(','.join(m for m in ('trafilatura', 'pypdf', 'docx', 'lxml', 'openpyxl', 'xlsxwriter')"
        " if m in sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
