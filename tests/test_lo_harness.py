"""The LibreOffice harness handles the recalculation trap and exports at full precision."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import lo_harness as lo
import pytest
import xlsxwriter

pytestmark = pytest.mark.libreoffice

TRUE_RATE = 62 / 669


@pytest.fixture(scope="module")
def wrong_cache_xlsx(tmp_path_factory):
    """A workbook whose formulas carry deliberately wrong cached values (999)."""
    path = tmp_path_factory.mktemp("wrong") / "wrong cache.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Rates")
    percent = workbook.add_format({"num_format": "0.0%"})
    count = workbook.add_format({"num_format": "#,##0"})
    sheet.write_number("A1", 62, count)
    sheet.write_number("A2", 669, count)
    sheet.write_formula("A3", "=A1/A2", percent, 999)
    sheet.write_formula("A4", "=A1/A2", None, 999)
    sheet.write_number("A5", 1234567, count)
    sheet.write_string("A6", "1,000")
    sheet.write_string("A7", "[c]")
    other = workbook.add_worksheet("Second sheet")
    other.write_string("A1", 'text, with "quotes"')
    other.write_formula("A2", "=1/0", None, 0)
    workbook.close()
    return path


def test_soffice_found():
    assert lo.require_soffice()


def test_recalc_true_shows_true_value(wrong_cache_xlsx):
    lo.require_soffice()
    sheets = lo.export_sheets_csv(wrong_cache_xlsx, recalc=True)
    assert list(sheets) == ["Rates", "Second sheet"]
    rates = sheets["Rates"]
    assert rates[2][0].endswith("%")  # percentage formatting survives the raw export
    assert lo.parse_cell(rates[2][0]) == pytest.approx(TRUE_RATE, abs=1e-15)
    assert lo.parse_cell(rates[3][0]) == pytest.approx(TRUE_RATE, abs=1e-15)
    assert lo.parse_cell(rates[4][0]) == 1234567.0  # raw export: no thousands separator
    assert rates[6][0] == "[c]"
    second = sheets["Second sheet"]
    assert second[0][0] == 'text, with "quotes"'
    assert lo.is_error_cell(second[1][0]), second[1][0]


def test_recalc_false_shows_cached_value(wrong_cache_xlsx):
    lo.require_soffice()
    rates = lo.export_sheets_csv(wrong_cache_xlsx, recalc=False)["Rates"]
    assert lo.parse_cell(rates[2][0]) == pytest.approx(999)
    assert lo.parse_cell(rates[3][0]) == pytest.approx(999)


def test_as_shown_loses_precision_raw_does_not(wrong_cache_xlsx, tmp_path):
    """Why token 9 is false: "as shown" rounds 9.2676...% to 9.3%."""
    lo.require_soffice()
    lo.convert(wrong_cache_xlsx, lo.CSV_FILTER_AS_SHOWN, tmp_path)
    shown = (tmp_path / "wrong cache-Rates.csv").read_text(encoding="utf-8-sig").splitlines()
    assert shown[2] == "9.3%"
    assert shown[4] == '"1,234,567"'
    assert lo.parse_cell("9.3%") != pytest.approx(TRUE_RATE, abs=1e-9)


def test_typed_export_tells_text_from_numbers(wrong_cache_xlsx):
    lo.require_soffice()
    rates = lo.export_sheets_values(wrong_cache_xlsx)["Rates"]
    assert rates[0][0] == 62.0
    assert rates[2][0] == pytest.approx(TRUE_RATE, abs=1e-15)
    assert rates[5][0] == "1,000"  # a number stored as text stays text
    assert rates[6][0] == "[c]"


def test_parallel_calls_do_not_collide(wrong_cache_xlsx):
    lo.require_soffice()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda recalc: lo.export_sheets_csv(wrong_cache_xlsx, recalc=recalc), [True, False, True, False])
        )
    got = [lo.parse_cell(r["Rates"][2][0]) for r in results]
    assert got[0] == pytest.approx(TRUE_RATE) and got[2] == pytest.approx(TRUE_RATE)
    assert got[1] == 999 and got[3] == 999


def test_pdf_pngs(wrong_cache_xlsx, tmp_path):
    lo.require_soffice()
    lo.require_pdftoppm()
    pages = lo.to_pdf_pngs(wrong_cache_xlsx, tmp_path)
    assert len(pages) >= 2
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pages)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("9.27%", 0.0927),
        ("9.26756352765321%", 0.0926756352765321),
        ("1,000", 1000.0),
        ("62", 62.0),
        ("-0.5", -0.5),
        ("1e-3", 0.001),
        ("1,234,567.5", 1234567.5),
    ],
)
def test_parse_cell_numbers(text, expected):
    assert lo.parse_cell(text) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("text", ["[c]", "", "x", "1,00", "#VALUE!", "Err:502", "62 of 669"])
def test_parse_cell_text(text):
    assert lo.parse_cell(text) == text


def test_error_cells():
    assert lo.is_error_cell("#VALUE!") and lo.is_error_cell("Err:502") and lo.is_error_cell("#DIV/0!")
    assert not lo.is_error_cell("9.3%") and not lo.is_error_cell("[x]")


def test_missing_soffice_skips_locally_but_fails_under_ci(monkeypatch):
    monkeypatch.setenv("SOFFICE", "/nonexistent/soffice")
    assert lo.soffice_path() is None
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        lo.require_soffice()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        lo.require_soffice()


def test_failure_raises_with_stderr(tmp_path):
    lo.require_soffice()
    missing = tmp_path / "missing.xlsx"
    with pytest.raises(lo.LibreOfficeError):
        lo.convert(missing, "pdf", tmp_path)


def test_export_many_in_one_call(wrong_cache_xlsx, tmp_path):
    lo.require_soffice()
    other = tmp_path / "other.xlsx"
    workbook = xlsxwriter.Workbook(str(other))
    workbook.add_worksheet("Only").write_string("A1", "1,000")
    workbook.close()
    got = lo.export_many([wrong_cache_xlsx, other], tmp_path / "out", typed=True)
    assert got[other.resolve()] == {"Only": [["1,000"]]}
    rates = got[wrong_cache_xlsx.resolve()]["Rates"]
    assert rates[2][0] == pytest.approx(TRUE_RATE, abs=1e-15) and rates[5][0] == "1,000"


def test_convert_refuses_to_overwrite_its_source(wrong_cache_xlsx):
    with pytest.raises(ValueError):
        lo.convert(wrong_cache_xlsx, "xlsx", wrong_cache_xlsx.parent)
