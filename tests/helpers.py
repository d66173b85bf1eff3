"""Small builders shared by tests that write their own workbooks."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path


def add_table(sheet, ref: str, name: str | None, columns: list, data: list | None = None, **options) -> None:
    """An XlsxWriter table at `ref`: `columns` are headers, or column dicts where one needs a format;
    `options` go to `add_table` as they are (autofilter=False, ...)."""
    spec: dict = {"columns": [c if isinstance(c, dict) else {"header": c} for c in columns], **options}
    if name is not None:
        spec["name"] = name
    if data is not None:
        spec["data"] = data
    sheet.add_table(ref, spec)


def zip_entries(path) -> dict[str, bytes]:
    """Every entry of a zip package (xlsx, ods), by name, in its stored order."""
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def met_funnel(source: str | None = None):
    """The Met's 2021 funnel as the core builds it from CSV rows (lines 2 to 6), units not stated
    except for the follow-up engagements (contacts)."""
    from xlplugin.core.funnel import StageRecord as R
    from xlplugin.core.funnel import build_funnel

    return build_funnel(
        [
            R("Identified for a visit", "1000", line=2),
            R("Visited", "669", "Identified for a visit", line=3),
            R("Follow-up engagements", "156", "Visited", "contacts", line=4),
            R("Interested in diversion", "62", "Visited", line=5),
            R("Contacted police about diversion", "20", "none", line=6),
        ],
        source=source,
    )


def rezip(source, target, edit):
    """A copy of the package `source` at `target`, each entry passed through `edit(name, data)`
    (None drops it)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info, data)
    return target


def write(path, text: str):
    """`text` as a UTF-8 file at `path`; the path."""
    path.write_text(text, encoding="utf-8")
    return path


def fuzz_module(name: str):
    """fuzz/NAME.py as a module (fuzz/ is a folder of scripts, not a package), imported once."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "fuzz" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
