"""The Python API for analysts: funnels, rates, denominators, claims, reports, refresh, checks.

Why a module of its own: notebooks should not reach into `StageRecord` or `as_json`. Every
function takes `data` as a path (CSV or TOML spec), CSV text, CSV bytes, a list of records
(dicts with the funnel CSV's columns) or a pandas DataFrame with those columns, and returns
plain records (lists of dicts), or DataFrames when pandas is installed and `as_frame` is not
False. pandas is never required: it is imported only when a DataFrame is given or asked for.
Bad input raises `xlplugin.InputError` naming the file (or "<data>"), line and column.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xlplugin import _API
from xlplugin.core.counts import DEFAULT_SUPPRESSED
from xlplugin.core.errors import InputError, Problem
from xlplugin.core.funnel import Funnel

__all__ = list(_API)  # the names `import xlplugin` serves lazily from here: listed once, in xlplugin/__init__.py

#: The name messages use for data that did not come from a file.
DATA_NAME = "<data>"


# ------------------------------------------------------------------------------------------
# data in


def _is_frame(data: object) -> bool:
    return type(data).__module__.startswith("pandas") and hasattr(data, "to_dict") and hasattr(data, "columns")


def _cell_text(value: object) -> str:
    """A record's value as the CSV text the reader expects (669.0 -> '669', NaN/None -> '')."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    text = str(value)
    return "" if text in ("nan", "NaN", "<NA>", "NaT") else text


def _records_csv(records: Iterable[Mapping[str, Any]]) -> bytes:
    rows = [dict(r) for r in records]
    if not all(isinstance(r, dict) for r in rows):
        raise InputError(Problem("records must be mappings of column name to value", DATA_NAME))
    header: list[str] = []
    for row in rows:
        header += [str(k) for k in row if str(k) not in header]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        by_name = {str(k): v for k, v in row.items()}
        writer.writerow([_cell_text(by_name.get(h)) for h in header])
    return out.getvalue().encode("utf-8")


def _frame_csv(frame: Any) -> bytes:
    columns = [str(c) for c in frame.columns]
    return _records_csv(dict(zip(columns, row, strict=True)) for row in frame.itertuples(index=False, name=None))


def _looks_like_csv_text(text: str) -> bool:
    return "\n" in text or "\r" in text or ("," in text and not Path(text).exists())


def _as_source(data: object) -> tuple[Path | None, bytes | None, str]:
    """(path, None, name) for a file, or (None, CSV bytes, name) for data given in memory."""
    if isinstance(data, os.PathLike):
        return Path(data), None, str(data)
    if isinstance(data, str):
        if _looks_like_csv_text(data):
            return None, data.encode("utf-8"), DATA_NAME
        return Path(data), None, data
    if isinstance(data, (bytes, bytearray, memoryview)):
        return None, bytes(data), DATA_NAME
    if _is_frame(data):
        return None, _frame_csv(data), DATA_NAME
    if isinstance(data, Iterable) and not isinstance(data, Mapping):
        return None, _records_csv(data), DATA_NAME
    raise InputError(
        Problem(
            f"data must be a path, CSV text, a list of records or a DataFrame, not {type(data).__name__}", DATA_NAME
        )
    )


def read_funnel(data: object, *, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED) -> Funnel:
    """The validated funnel (programmes of stages) from `data`; InputError on bad input."""
    path, raw, name = _as_source(data)
    if path is not None:
        from xlplugin.inputs.spec import load_input

        return load_input(path, suppressed)[0]
    from xlplugin.inputs.csvinput import read_funnel as read_csv

    return read_csv(raw, suppressed, name=name)


class _DataFile:
    """`data` as a file on disk, for the writers that record a source file (name and checksum)."""

    def __init__(self, data: object, name: str = "data.csv") -> None:
        self.path, self.raw, _ = _as_source(data)
        self.name = name
        self._tmp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Path:
        if self.path is not None:
            return self.path
        self._tmp = tempfile.TemporaryDirectory(prefix="xlplugin-")
        target = Path(self._tmp.name) / Path(self.name).name
        target.write_bytes(self.raw or b"")
        return target

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


# ------------------------------------------------------------------------------------------
# records out


def _want_frame(as_frame: bool | None) -> bool:
    if as_frame is False:
        return False
    try:
        import pandas  # noqa: F401
    except ImportError:
        if as_frame:
            raise ImportError(
                "as_frame=True needs pandas, which is not installed: pip install pandas "
                "(or leave as_frame unset to get plain records)"
            ) from None
        return False
    return True


def _out(records: list[dict], as_frame: bool | None):
    if not _want_frame(as_frame):
        return records
    import pandas

    return pandas.DataFrame.from_records(records, columns=list(records[0]) if records else None)


def funnel_table(
    data: object,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED,
    as_frame: bool | None = None,
):
    """One row per stage: programme, stage, count (and its range), base, unit, rate of base (and
    its range), interval, rate of first stage, drop-off and flags (the `rates --json` fields).

    Proportions are 0-1. A DataFrame when pandas is installed (unless `as_frame=False`), else
    a list of dicts."""
    from xlplugin.core.rates import funnel_rates

    funnel = read_funnel(data, suppressed=suppressed)
    rows = []
    for programme in funnel.programmes:
        for sr in funnel_rates(programme, confidence, method):
            rows.append({"programme": programme.name, **sr.as_json()})
    return _out(rows, as_frame)


def denominators(
    data: object,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED,
    as_frame: bool | None = None,
):
    """Every numerator against every denominator it could be divided by (the report's
    Denominators table): one row per definition, with `subset` and `mixed_units` saying whether
    the value is a proportion of the denominator at all."""
    from xlplugin.core.rates import denominator_table

    funnel = read_funnel(data, suppressed=suppressed)
    rows = []
    for programme in funnel.programmes:
        for d in denominator_table(programme, confidence, method):
            rr = d.rate_range
            rows.append(
                {
                    "programme": programme.name,
                    "definition": d.label,
                    "numerator": " + ".join(d.numerator),
                    "denominator": d.denominator,
                    "numerator_count": d.num_count.exact,
                    "denominator_count": d.den_count.exact,
                    "rate": None if d.mixed_units else rr.rate,
                    "rate_low": None if d.mixed_units else rr.rate_low,
                    "rate_high": None if d.mixed_units else rr.rate_high,
                    "ci_lower": None if d.mixed_units else rr.ci_lower,
                    "ci_upper": None if d.mixed_units else rr.ci_upper,
                    "subset": d.subset,
                    "mixed_units": d.mixed_units,
                }
            )
    return _out(rows, as_frame)


def explain_claim(claim: str, data: object, *, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED) -> list[dict]:
    """Every numerator/denominator definition that reproduces a published claim ("9%", "just
    over 6%", "one in 16"), simplest first, each saying whether it is a proportion at all."""
    from xlplugin.core.claims import ClaimError, parse_claim
    from xlplugin.core.claims import explain_claim as explain

    try:
        parsed = parse_claim(claim)
    except ClaimError as exc:
        raise InputError(str(exc)) from None
    funnel = read_funnel(data, suppressed=suppressed)
    return [
        {
            "programme": m.programme,
            "numerator": list(m.numerator),
            "denominator": m.denominator,
            "value": None if m.value is None else float(m.value),
            "subset": m.subset,
            "mixed_units": m.mixed_units,
        }
        for m in explain(parsed, funnel)
    ]


def check_claim(
    claim: str,
    data: object,
    *,
    programme: str | None = None,
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED,
) -> dict:
    """The verdict on a published claim against the figures: the `claim --json` document, whose
    `verdict` is one of reproduced, possible, reproduced_invalid (only by a numerator that is not a
    subset of its denominator, or different units: never a yes), not_reproduced, not_checkable."""
    from xlplugin.core.claims import ClaimError, parse_claim
    from xlplugin.core.claims import check_claim as check
    from xlplugin.textreport import verdict_json

    try:
        parsed = parse_claim(claim)
        verdict = check(parsed, read_funnel(data, suppressed=suppressed), programme)
    except ClaimError as exc:
        raise InputError(str(exc)) from None
    return verdict_json(claim, verdict)


# ------------------------------------------------------------------------------------------
# workbooks


def _report_options(options: dict) -> dict:
    known = {"confidence", "method", "publish", "timestamp", "suppressed", "force", "fmt", "csv_dir"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"unknown report option(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return options


def report_bytes(data: object, fmt: str = "xlsx", *, name: str = "data.csv", **options) -> bytes:
    """The FOI-summary workbook as bytes ('xlsx' or 'ods'); options as `write_report`."""
    from xlplugin.report.build import build_report_bytes

    _report_options(options)
    for writing_only in ("force", "fmt", "csv_dir"):
        options.pop(writing_only, None)
    with _DataFile(data, name) as path:
        return build_report_bytes(path, fmt, **options)


def write_report(data: object, path: str | Path, *, name: str = "data.csv", **options) -> Path:
    """Write the FOI-summary workbook (.xlsx or .ods, by suffix) for `data` to `path`.

    Options: confidence, method, publish, timestamp, suppressed, force, fmt, csv_dir. Data given in
    memory is recorded on the Data sheet as `name`. Nothing is written on bad input."""
    from xlplugin.report.build import build_report

    _report_options(options)
    with _DataFile(data, name) as source:
        return build_report(source, Path(path), **options)


def refresh_workbook(workbook: str | os.PathLike, data: object, *, name: str = "data.csv", **options) -> Path:
    """Bring a report workbook up to date from new data, keeping what the user added
    (options as `xlplugin refresh`: output, backup, force)."""
    from xlplugin.refresh import refresh_workbook as refresh

    with _DataFile(data, name) as source:
        return refresh(workbook, source, **options)


def check_workbook(path: str | os.PathLike, *, as_frame: bool | None = False):
    """The accessibility checker's findings for a workbook ([] when it passes), as records."""
    from xlplugin.accessibility import check_workbook as check

    rows = [{"check": f.check, "sheet": f.sheet, "where": f.where, "message": f.message} for f in check(path)]
    return _out(rows, as_frame)
