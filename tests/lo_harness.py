"""LibreOffice headless helpers for tests: convert, export every sheet to CSV, render to PNG.

Why this exists: two traps make a naive ``soffice --convert-to csv`` check worthless.

1. LibreOffice trusts the cached values of a workbook that says Excel wrote it (XlsxWriter and
   openpyxl both say so), so a formula whose cached value is wrong exports the wrong number.
   ``recalc=True`` gives every call a fresh user profile whose ``registrymodifications.xcu`` sets
   ``/org.openoffice.Office.Calc/Formula/Load`` ``OOXMLRecalcMode`` and ``ODFRecalcMode`` to 0
   ("always recalculate"); ``recalc=False`` sets them to 1 ("never"), so the export shows the
   cached values a non-calculating viewer would show.
2. "Save cell contents as shown" rounds: a ``0.0%`` cell exports as ``9.3%``. We export with
   CSV filter token 9 = ``false`` (raw values). LibreOffice then writes 15 significant digits,
   and percentage-formatted cells still carry a ``%`` suffix (``9.26756352765321%``), which
   :func:`parse_cell` undoes. 15 significant digits is ~1e-15 relative: enough for 1e-9 checks.

Filter string tokens used (LibreOffice help, "CSV Filter Options"): 1 field separator 44 (,),
2 text delimiter 34 ("), 3 charset 76 (UTF-8), 4 first line 1, 5 column formats (import only),
6 language 0, 7 quote all text cells (false; :func:`export_sheets_values` uses true to tell text
from numbers), 8 detect special numbers (import only), 9 save cell contents as shown (false),
10 export formulas (false), 11 remove spaces (false), 12 sheet (-1 = every sheet, one file per
sheet named ``<stem>-<SheetName>.csv``; LibreOffice >= 7.2).

Every call uses its own temporary profile and output folder and a timeout that kills the whole
process group, so tests may run these in parallel.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from oracles import unavailable

CSV_FILTER_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
"""Every sheet, raw values (token 9 false: full precision), text unquoted."""

CSV_FILTER_ALL_SHEETS_QUOTED = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,false,false,false,-1"
"""As above, but every text cell quoted, so a number stored as text can be told from a number."""

CSV_FILTER_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
"""The issue's literal string with token 9 true: what a reader sees (rounded), for display checks."""

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    """soffice failed, timed out, or wrote no output."""


CURRENT_TEST_MARKED: bool | None = None
"""Set by tests/conftest.py for each test: does it carry @pytest.mark.libreoffice (None outside pytest)?"""


def _check_marker() -> None:
    """A test that runs LibreOffice without the marker would escape `-m "not libreoffice"` (make check)."""
    if CURRENT_TEST_MARKED is False:
        pytest.fail("this test runs LibreOffice: mark it @pytest.mark.libreoffice", pytrace=False)


def soffice_path() -> str | None:
    """The soffice executable (env SOFFICE overrides), or None when LibreOffice is missing."""
    override = os.environ.get("SOFFICE")
    if override:
        return override if Path(override).exists() else shutil.which(override)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    mac = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
    return str(mac) if mac.exists() else None


def require_soffice() -> str:
    """Call at test start: skip locally when LibreOffice is missing, but fail under CI=true."""
    _check_marker()
    path = soffice_path()
    if path is None:
        unavailable("LibreOffice (soffice) is not installed")
    return path


def require_pdftoppm() -> str:
    """As :func:`require_soffice`, for poppler's pdftoppm."""
    path = shutil.which("pdftoppm")
    if path is None:
        unavailable("pdftoppm (poppler-utils) is not installed")
    return path


def _make_profile(recalc: bool) -> Path:
    """A fresh LibreOffice user installation whose only setting is the recalculation mode."""
    profile = Path(tempfile.mkdtemp(prefix="xlplugin-lo-profile-"))
    user = profile / "user"
    user.mkdir()
    (user / "registrymodifications.xcu").write_text(_XCU.format(mode=0 if recalc else 1), encoding="utf-8")
    return profile


def _run_soffice(args: list[str], *, recalc: bool, timeout: float) -> subprocess.CompletedProcess:
    """Run soffice headless with a throw-away profile; kill its process group on timeout."""
    _check_marker()
    soffice = soffice_path()
    if soffice is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed")
    profile = _make_profile(recalc)
    command = [
        soffice,
        "--headless",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
        f"-env:UserInstallation={profile.as_uri()}",
        *args,
    ]
    env = dict(os.environ, SAL_USE_VCLPLUGIN="svp")
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise LibreOfficeError(
                f"soffice timed out after {timeout}s: {command}\n{stderr.decode(errors='replace')}"
            ) from None
        result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        if result.returncode != 0:
            raise LibreOfficeError(
                f"soffice exited {result.returncode}: {command}\n"
                f"stdout: {stdout.decode(errors='replace')}\n"
                f"stderr: {stderr.decode(errors='replace')}"
            )
        return result
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def convert(src, fmt: str, outdir, *, recalc: bool = True, timeout: float = 180) -> Path:
    """``soffice --convert-to fmt`` of src into outdir; returns ``outdir/<stem>.<ext>``.

    fmt is anything --convert-to takes ("pdf", "xlsx", "csv:Text - txt - csv (StarCalc):...").
    With a CSV filter whose sheet token is -1 LibreOffice writes ``<stem>-<Sheet>.csv`` per sheet
    instead; then the first sheet's file is returned (see :func:`export_sheets_csv` for all).
    Raises LibreOfficeError (with soffice's stderr) on failure or when no output was written.
    """
    src = Path(src).resolve()
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    ext = fmt.split(":", 1)[0]
    expected = outdir / f"{src.stem}.{ext}"
    if expected == src:
        raise ValueError(f"converting {src.name} to {ext} in its own folder would overwrite it; use another outdir")
    expected.unlink(missing_ok=True)  # never mistake a stale file for this run's output
    result = _run_soffice(["--convert-to", fmt, "--outdir", str(outdir), str(src)], recalc=recalc, timeout=timeout)
    if expected.exists():
        return expected
    per_sheet = re.findall(r"^Writing sheet .* -> (.*)$", result.stdout.decode(errors="replace"), re.M)
    if per_sheet and Path(per_sheet[0]).exists():
        return Path(per_sheet[0])
    raise LibreOfficeError(
        f"soffice wrote no {expected}\nstdout: {result.stdout.decode(errors='replace')}\n"
        f"stderr: {result.stderr.decode(errors='replace')}"
    )


_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def sheet_names(xlsx) -> list[str]:
    """Sheet names in workbook order, read from xl/workbook.xml (or an .ods's content.xml)."""
    with zipfile.ZipFile(xlsx) as package:
        names = {n.lower(): n for n in package.namelist()}
        if "content.xml" in names and "xl/workbook.xml" not in names:
            root = SafeET.fromstring(package.read(names["content.xml"]))
            return [
                t.get(f"{{{_TABLE_NS}}}name")
                for t in root.iter(f"{{{_TABLE_NS}}}table")
                if t.get(f"{{{_TABLE_NS}}}name") != "local-table"
            ]
        root = SafeET.fromstring(package.read(names["xl/workbook.xml"]))
    return [sheet.get("name") for sheet in root.iter(f"{{{_MAIN_NS}}}sheet")]


def _csv_paths(xlsx: Path, outdir: Path) -> tuple[dict[str, Path], list[str]]:
    """Sheet name -> the CSV LibreOffice wrote for it (``<stem>-<Sheet>.csv``; a one-sheet
    workbook may get plain ``<stem>.csv``), and the names with no file."""
    names = sheet_names(xlsx)
    files: dict[str, Path] = {}
    missing = []
    for name in names:
        path = outdir / f"{xlsx.stem}-{name}.csv"
        if not path.exists() and len(names) == 1:
            path = outdir / f"{xlsx.stem}.csv"
        if path.exists():
            files[name] = path
        else:
            missing.append(name)
    return files, missing


def _clear_stale(xlsx: Path, outdir: Path) -> None:
    """Never mistake a file from an earlier run for this run's output."""
    for name in sheet_names(xlsx):
        (outdir / f"{xlsx.stem}-{name}.csv").unlink(missing_ok=True)
    (outdir / f"{xlsx.stem}.csv").unlink(missing_ok=True)


def _export_csv_files(xlsx, outdir, *, recalc: bool, filter_string: str, timeout: float) -> dict[str, Path]:
    """Export every sheet; map sheet name -> its CSV file."""
    xlsx = Path(xlsx).resolve()
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    _clear_stale(xlsx, outdir)
    result = _run_soffice(
        ["--convert-to", filter_string, "--outdir", str(outdir), str(xlsx)], recalc=recalc, timeout=timeout
    )
    files, missing = _csv_paths(xlsx, outdir)
    if missing:
        raise LibreOfficeError(
            f"no CSV for sheets {missing} in {sorted(p.name for p in outdir.iterdir())}\n"
            f"stderr: {result.stderr.decode(errors='replace')}"
        )
    return files


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


#: One CSV field at a position: quoted (doubled quotes inside) or bare up to a comma or line end.
_CSV_FIELD = re.compile(r'"((?:[^"]|"")*)"|([^,\r\n]*)')


def _split_csv(text: str, *, keep_quoting: bool) -> list[list]:
    """RFC 4180 rows; with keep_quoting each field is (text, was_quoted)."""
    rows: list[list] = []
    row: list = []
    i, n = 0, len(text)
    while i < n:
        m = _CSV_FIELD.match(text, i)
        quoted = m.group(1) is not None
        value = m.group(1).replace('""', '"') if quoted else m.group(2)
        row.append((value, quoted) if keep_quoting else value)
        i = m.end()
        if i < n and text[i] == ",":
            i += 1
            if i < n:
                continue
            row.append(("", False) if keep_quoting else "")  # a comma ends the text: one more empty field
        i += 2 if text.startswith("\r\n", i) else 1
        rows.append(row)
        row = []
    return rows


def export_sheets_csv(xlsx, outdir=None, *, recalc: bool = True, timeout: float = 180) -> dict[str, list[list[str]]]:
    """Every sheet as LibreOffice shows it after loading (recalculated or cached): raw CSV text rows.

    Values are exported at full precision (token 9 false); use :func:`parse_cell` on a field.
    """
    with tempfile.TemporaryDirectory(prefix="xlplugin-lo-csv-") as scratch:
        target = Path(outdir) if outdir is not None else Path(scratch)
        files = _export_csv_files(xlsx, target, recalc=recalc, filter_string=CSV_FILTER_ALL_SHEETS, timeout=timeout)
        return {name: _split_csv(_read_text(path), keep_quoting=False) for name, path in files.items()}


def export_sheets_values(xlsx, outdir=None, *, recalc: bool = True, timeout: float = 180) -> dict[str, list[list]]:
    """Every sheet as typed values: numeric cells -> float, text cells -> str, empty -> None.

    Uses "quote all text cells", so a number stored as text stays a str here (unlike
    :func:`export_sheets_csv` + :func:`parse_cell`, which cannot tell them apart).
    """
    with tempfile.TemporaryDirectory(prefix="xlplugin-lo-csv-") as scratch:
        target = Path(outdir) if outdir is not None else Path(scratch)
        files = _export_csv_files(
            xlsx, target, recalc=recalc, filter_string=CSV_FILTER_ALL_SHEETS_QUOTED, timeout=timeout
        )
        return {name: _typed_rows(path) for name, path in files.items()}


def export_many(
    xlsx_files, outdir, *, recalc: bool = True, typed: bool = False, timeout: float = 600
) -> dict[Path, dict[str, list[list]]]:
    """Every sheet of several workbooks in ONE soffice call (start-up is most of the cost).

    Returns {workbook path: {sheet name: rows}}; rows as :func:`export_sheets_csv` gives them, or
    with ``typed=True`` as :func:`export_sheets_values` does (text quoted, so str vs float is
    exact). Workbooks must have distinct file stems (their CSVs share outdir).
    """
    paths = [Path(f).resolve() for f in xlsx_files]
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError(f"workbooks must have distinct file names: {stems}")
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        _clear_stale(path, outdir)
    filter_string = CSV_FILTER_ALL_SHEETS_QUOTED if typed else CSV_FILTER_ALL_SHEETS
    result = _run_soffice(
        ["--convert-to", filter_string, "--outdir", str(outdir), *map(str, paths)], recalc=recalc, timeout=timeout
    )
    out: dict[Path, dict[str, list[list]]] = {}
    for path in paths:
        files, missing = _csv_paths(path, outdir)
        if missing:
            raise LibreOfficeError(
                f"{path.name}: no CSV for sheets {missing}\nstderr: {result.stderr.decode(errors='replace')}"
            )
        out[path] = {name: (_typed_rows(csv) if typed else split_csv(_read_text(csv))) for name, csv in files.items()}
    return out


def _typed_rows(csv_path: Path) -> list[list]:
    rows = split_csv(_read_text(csv_path), keep_quoting=True)
    return [[(text if quoted else (None if text == "" else parse_cell(text))) for text, quoted in row] for row in rows]


def split_csv(text: str, *, keep_quoting: bool = False) -> list[list]:
    """RFC 4180 rows of LibreOffice's CSV; with keep_quoting each field is (text, was_quoted)."""
    return _split_csv(text, keep_quoting=keep_quoting)


run_soffice = _run_soffice
"""Public name for the raw runner: ``run_soffice(args, recalc=..., timeout=...)``."""


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
ERROR_PATTERN = re.compile(r"^(#(NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A)|Err:\d+|#NAME\?)$")
"""Error texts LibreOffice writes into a CSV export (Excel-style and its own Err:NNN)."""


def parse_cell(text: str) -> float | str:
    """A CSV field as LibreOffice exports it -> float when it reads as a number, else the text.

    "9.27%" -> 0.0927 and "9.26756352765321%" -> 0.0926756352765321; "1,000" -> 1000.0;
    "62" -> 62.0; "[c]", "" and error texts stay str.
    """
    value = text.strip()
    percent = value.endswith("%")
    core = value[:-1].strip() if percent else value
    if _GROUPED.match(core):
        core = core.replace(",", "")
    if not _NUMBER.match(core):
        return text
    number = float(core)
    return number / 100 if percent else number


def is_error_cell(text) -> bool:
    """True for a LibreOffice error text (#VALUE!, #DIV/0!, Err:502, ...)."""
    return isinstance(text, str) and bool(ERROR_PATTERN.match(text.strip()))


def to_pdf_pngs(xlsx, outdir, *, resolution: int = 60, recalc: bool = True, timeout: float = 180) -> list[Path]:
    """Render xlsx to PDF with LibreOffice, then each page to PNG (pdftoppm -png -r 60)."""
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    pdf = convert(xlsx, "pdf", outdir, recalc=recalc, timeout=timeout)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise LibreOfficeError("pdftoppm (poppler-utils) is not installed")
    prefix = outdir / pdf.stem
    completed = subprocess.run(
        [pdftoppm, "-png", "-r", str(resolution), str(pdf), str(prefix)], capture_output=True, timeout=timeout
    )
    if completed.returncode != 0:
        raise LibreOfficeError(f"pdftoppm exited {completed.returncode}: {completed.stderr.decode(errors='replace')}")
    pages = sorted(outdir.glob(f"{glob_escape(pdf.stem)}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    if not pages:
        raise LibreOfficeError(f"pdftoppm wrote no PNG for {pdf}")
    return pages


def glob_escape(text: str) -> str:
    """Escape glob metacharacters in a file stem."""
    return re.sub(r"([*?\[])", r"[\1]", text)
