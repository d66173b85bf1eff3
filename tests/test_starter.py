"""The starter workbooks (.xlsx committed, .xlsm built from xlwings' quickstart) and excel_setup."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import lo_harness as lo
import pytest
from udf_helpers import FIRST_EIGHT

from xlplugin.core.errors import InputError
from xlplugin.excel import starter

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "workbooks" / "xlplugin-starter.xlsx"
MET_CACHED = {  # formula -> the value our function gives, which Excel shows before recalculating
    formula: starter._evaluate(formula) for _, formula, _, _ in starter._examples()
}


@pytest.fixture(scope="module")
def xlsm(tmp_path_factory) -> Path:
    return starter.build_excel_starter(tmp_path_factory.mktemp("xlsm") / "xlplugin_starter.xlsm")


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        return {n: z.read(n) for n in z.namelist()}


def sheet_parts(path) -> dict[str, bytes]:
    return {n: d for n, d in parts(path).items() if n.startswith("xl/worksheets/")}


# ------------------------------------------------------------------ the committed .xlsx


def test_committed_xlsx_is_what_the_code_writes(tmp_path):
    fresh = starter.write_starter_xlsx(tmp_path / "fresh.xlsx")
    assert sheet_parts(fresh) == sheet_parts(COMMITTED), "run: python tools/build_starter.py"
    assert "xl/vbaProject.bin" not in parts(COMMITTED)


def _check_sheets(path, keep_vba=False):
    openpyxl = pytest.importorskip("openpyxl")
    formulas = openpyxl.load_workbook(path, keep_vba=keep_vba)
    values = openpyxl.load_workbook(path, data_only=True, keep_vba=keep_vba)
    assert formulas.sheetnames[:2] == [starter.TRY_SHEET, starter.CONF_SHEET]
    conf = values[starter.CONF_SHEET]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "xlplugin.udfs")
    assert conf["A2"].value is None, "xlwings reads the settings from A1 down to the first empty row"
    f_sheet, v_sheet = formulas[starter.TRY_SHEET], values[starter.TRY_SHEET]
    # the Met figures, as numbers
    assert [[c.value for c in row] for row in v_sheet["A6:B10"]] == [[s, c] for s, c, _, _ in starter.MET]
    found = {}
    for row in f_sheet.iter_rows():
        for cell in row:
            if cell.data_type != "f":
                continue
            # only the worked formulas, in column D, are formulas; all other text is text
            assert cell.column_letter == "D", cell.coordinate
            value = cell.value
            found[value.text if hasattr(value, "text") else value] = cell  # ArrayFormula: spilled
    assert sorted(found) == sorted(MET_CACHED)
    assert {re.match(r"=(\w+)", f).group(1) for f in found} == {f.__name__ for f in FIRST_EIGHT}
    for formula, cell in found.items():
        expected = MET_CACHED[formula]
        got = [
            [v_sheet.cell(cell.row + r, cell.column + c).value for c in range(len(expected[0]))]
            for r in range(len(expected))
        ]
        # XlsxWriter writes numbers with 16 significant digits (Excel shows 15)
        assert got == [[pytest.approx(v, rel=1e-15) if isinstance(v, float) else v for v in row] for row in expected], (
            formula
        )
        # its one-line explanation sits beside it, and its text in column B
        assert f_sheet.cell(cell.row, 2).value == formula and f_sheet.cell(cell.row, 2).data_type == "s"
        assert f_sheet.cell(cell.row, 3).value
    return f_sheet, v_sheet


def test_xlsx_has_the_conf_sheet_and_one_cached_worked_formula_per_function():
    _, values = _check_sheets(COMMITTED)
    cached = {row[1].value: row[3].value for row in values.iter_rows(min_row=12) if row[1].value}
    assert cached["=UPTAKE_RATE(B9,B7)"] == 62 / 669
    assert cached['=UPTAKE_CLAIM("9%",B9,B7)'] is True
    texts = [c.value for row in values.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("Refresh from CSV" in t and starter.REFRESH_HOOK in t for t in texts)


# ------------------------------------------------------------------ the .xlsm


def test_xlsm_keeps_xlwings_vba_project_and_untouched_parts_byte_identical(xlsm):
    template = parts(starter.quickstart_template())
    built = parts(xlsm)
    assert built["xl/vbaProject.bin"] == template["xl/vbaProject.bin"]
    changed = {n for n in template if built.get(n) != template[n]}
    assert changed <= {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "docProps/app.xml",
        "xl/worksheets/sheet1.xml",
    }
    assert set(template) <= set(built)
    # the VBA project is still wired up as a macro workbook
    assert 'Target="vbaProject.bin"' in built["xl/_rels/workbook.xml.rels"].decode()
    assert "macroEnabled.main+xml" in built["[Content_Types].xml"].decode()
    # only the tab selection changed in the quickstart's first sheet
    assert built["xl/worksheets/sheet1.xml"] == template["xl/worksheets/sheet1.xml"].replace(b' tabSelected="1"', b"")


def test_xlsm_has_our_sheets_first_and_the_same_content_as_the_xlsx(xlsm):
    _check_sheets(xlsm, keep_vba=True)
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(xlsm, keep_vba=True)
    assert book.sheetnames == [starter.TRY_SHEET, starter.CONF_SHEET, "Sheet1", "_xlwings.conf"]


def test_xlsm_button_runs_the_quickstart_macro_and_the_side_module_forwards_to_the_refresh_hook(xlsm):
    built = parts(xlsm)
    vml = [d.decode() for n, d in built.items() if n.startswith("xl/drawings/vmlDrawing")]
    assert len(vml) == 1
    assert "<x:FmlaMacro>[0]!SampleCall</x:FmlaMacro>" in vml[0]
    assert "Refresh from CSV" in vml[0]
    assert 'Extension="vml"' in built["[Content_Types].xml"].decode()
    side = xlsm.with_suffix(".py")
    source = side.read_text(encoding="utf-8")
    namespace: dict = {}
    calls = []
    compiled = compile(source.replace("import xlplugin.excel.refresh_button", ""), str(side), "exec")
    exec(compiled, namespace)  # noqa: S102 - our own generated file
    button = type("r", (), {"main": staticmethod(lambda: calls.append(1))})
    namespace["xlplugin"] = type("m", (), {"excel": type("e", (), {"refresh_button": button})})
    namespace["main"]()
    assert calls == [1]
    assert "import xlplugin.excel.refresh_button" in source
    # SampleCall runs "import <workbook name>; <workbook name>.main()": the module must match the book
    assert side.stem == xlsm.stem


def test_xlsm_refuses_to_overwrite_and_bad_names(tmp_path, xlsm):
    with pytest.raises(InputError, match="already exists"):
        starter.build_excel_starter(xlsm)
    with pytest.raises(InputError, match="Python module name"):
        starter.build_excel_starter(tmp_path / "my starter.xlsm")
    with pytest.raises(InputError, match=r"\.xlsm"):
        starter.build_excel_starter(tmp_path / "starter.xlsx")
    again = starter.build_excel_starter(xlsm, force=True)
    assert (
        again == xlsm and parts(xlsm)["xl/vbaProject.bin"] == parts(starter.quickstart_template())["xl/vbaProject.bin"]
    )


@pytest.mark.libreoffice
@pytest.mark.parametrize("which", ["xlsx", "xlsm"])
def test_starter_workbooks_open_in_libreoffice(which, xlsm):
    lo.require_soffice()
    path = COMMITTED if which == "xlsx" else xlsm
    sheets = lo.export_sheets_values(path, recalc=False)
    assert list(sheets)[:2] == [starter.TRY_SHEET, starter.CONF_SHEET]
    assert sheets[starter.CONF_SHEET][0][:2] == ["UDF Modules", "xlplugin.udfs"]
    rows = sheets[starter.TRY_SHEET]
    rate_row = next(r for r in rows if r[1] == "=UPTAKE_RATE(B9,B7)")
    assert rate_row[3] == pytest.approx(62 / 669, abs=1e-12)  # the cached value, not recalculated
    assert [r[:2] for r in rows[5:10]] == [[s, float(c)] for s, c, _, _ in starter.MET]


# ------------------------------------------------------------------ ~/.xlwings/xlwings.conf


def read_like_xlwings(path: Path) -> dict[str, str]:
    """xlwings.utils.read_user_config's parsing: the first two quoted strings of each line."""
    config = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        values = re.findall(r'"[^"]*"', line)
        if values:
            config[values[0].strip('"').lower()] = values[1].strip('"')
    return config


def test_excel_setup_creates_the_user_config(tmp_path):
    conf = tmp_path / ".xlwings" / "xlwings.conf"
    message = starter.excel_setup(conf)
    assert conf.read_text(encoding="utf-8") == '"UDF Modules","xlplugin.udfs"\n'
    assert "added" in message
    assert read_like_xlwings(conf) == {"udf modules": "xlplugin.udfs"}


def test_excel_setup_keeps_other_settings_and_line_endings(tmp_path):
    conf = tmp_path / "xlwings.conf"
    before = '"INTERPRETER_WIN","C:\\Python311\\pythonw.exe"\r\n"LICENSE_KEY","abc"\r\n'
    conf.write_bytes(before.encode())
    starter.excel_setup(conf)
    assert conf.read_bytes() == (before + '"UDF Modules","xlplugin.udfs"\r\n').encode()


def test_excel_setup_appends_to_listed_modules_once(tmp_path):
    conf = tmp_path / "xlwings.conf"
    conf.write_text(
        '"CONDA PATH","C:\\conda"\n"UDF MODULES","mymodule;other"\n"SHOW CONSOLE","False"', encoding="utf-8"
    )
    starter.excel_setup(conf)
    text = conf.read_text(encoding="utf-8")
    assert text == '"CONDA PATH","C:\\conda"\n"UDF MODULES","mymodule;other;xlplugin.udfs"\n"SHOW CONSOLE","False"'
    assert read_like_xlwings(conf)["udf modules"] == "mymodule;other;xlplugin.udfs"
    message = starter.excel_setup(conf)  # a second run changes nothing
    assert "nothing changed" in message
    assert conf.read_text(encoding="utf-8") == text


def test_excel_setup_adds_a_newline_before_appending(tmp_path):
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"LICENSE_KEY","abc"', encoding="utf-8")
    starter.excel_setup(conf)
    assert read_like_xlwings(conf) == {"license_key": "abc", "udf modules": "xlplugin.udfs"}


def test_excel_setup_default_path_is_the_users_xlwings_conf(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert starter.user_config_path() == tmp_path / ".xlwings" / "xlwings.conf"
    starter.excel_setup()
    assert read_like_xlwings(tmp_path / ".xlwings" / "xlwings.conf") == {"udf modules": "xlplugin.udfs"}
