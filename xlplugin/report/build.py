"""`xlplugin report`: validate everything, build the workbook in memory, then write it atomically.

Why this order: a user must never find a half-written workbook, nor lose a good one to a bad
CSV. All input is read and checked (and the whole workbook rendered to bytes) before the
output folder is touched; the bytes go to a temporary file beside the target, which then
replaces it in one `os.replace`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from xlplugin.core.counts import DEFAULT_SUPPRESSED
from xlplugin.core.errors import InputError, Problem
from xlplugin.core.intervals import METHODS, method_key
from xlplugin.report.layout import Options, Source, report_layout
from xlplugin.report.model import Layout

#: Output formats by file suffix: Office Open XML (XlsxWriter) or OpenDocument (our own writer).
FORMATS = {".xlsx": "xlsx", ".ods": "ods"}


def parse_timestamp(value: str | dt.datetime | dt.date | None) -> dt.datetime:
    """The generated time: an ISO date or date-time (UTC if no offset), else SOURCE_DATE_EPOCH, else now.

    SOURCE_DATE_EPOCH (reproducible-builds.org) makes rebuilt workbooks byte-identical."""
    if value is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
        if epoch:
            try:
                return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
            except (ValueError, OverflowError, OSError):
                raise InputError(Problem(f"SOURCE_DATE_EPOCH '{epoch}' is not a whole number of seconds")) from None
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, dt.date):
        stamp = dt.datetime(value.year, value.month, value.day)
    else:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InputError(
                Problem(f"--timestamp '{value}' is not an ISO date or time (e.g. 2021-06-17T09:00:00Z)")
            ) from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC).replace(microsecond=0)


def output_format(output: str | Path, fmt: str | None = None) -> str:
    """'xlsx' or 'ods': from `fmt` if given (it must agree with the suffix), else from the suffix."""
    out = Path(output)
    by_suffix = FORMATS.get(out.suffix.lower())
    if fmt is not None and fmt not in FORMATS.values():
        raise InputError(Problem(f"--format must be one of {', '.join(FORMATS.values())}, not '{fmt}'"))
    if by_suffix is None:
        want = f".{fmt}" if fmt else ".xlsx or .ods"
        raise InputError(Problem(f"the output must be an {want} file, not '{out.name}'", str(out)))
    if fmt is not None and fmt != by_suffix:
        raise InputError(Problem(f"--format {fmt} needs a file name ending .{fmt}", str(out)))
    return by_suffix


def check_output(output: str | Path, force: bool, inputs: tuple[Path, ...] = (), fmt: str | None = None) -> Path:
    """The output path, or InputError if we may not write it."""
    out = Path(output)
    output_format(out, fmt)
    if out.is_dir():
        raise InputError(Problem(f"the output is a folder; give a file name ending {out.suffix or '.xlsx'}", str(out)))
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(Problem(f"the folder '{folder}' does not exist", str(out)))
    for src in inputs:
        try:
            if out.exists() and out.resolve() == src.resolve():
                raise InputError(Problem("the output would overwrite the input", str(out)))
        except OSError:
            pass
    if out.exists() and not force:
        raise InputError(Problem("exists; use --force to overwrite it", str(out)))
    from xlplugin.ooxml.atomic import refuse_if_open_elsewhere

    refuse_if_open_elsewhere(out)  # the one lock-file rule (Excel's ~$ names and LibreOffice's .~lock.NAME#)
    return out


def write_atomically(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write `data` to `path` atomically (xlplugin.ooxml.atomic): new files exclusively, existing ones with `force`."""
    from xlplugin.ooxml.atomic import write_file

    write_file(path, lambda handle: handle.write(data), replace=force, force=force, hold_lock=True)


def load_report_layout(
    input_path: str | Path,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
    publish: bool = False,
    timestamp: str | dt.datetime | None = None,
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED,
    spec=None,
    periods: bool = False,
    overdispersion: str = "auto",
    read_options=None,
    previous_periods: tuple[str, ...] | None = None,
) -> Layout:
    """Read and validate INPUT (a funnel CSV or a TOML spec) and lay out the report's owned parts.

    This is the one description of the report that both `build_report` and `refresh` use.
    `spec` (a ReportSpec) stands in for a spec when INPUT is a bare CSV: refresh passes the
    one recorded in the workbook, so title, cover and claims survive a refresh from a CSV.
    `previous_periods` (the periods the workbook's old data stated) lets the kept title's period follow
    the new data's (`xlplugin.core.retitle`).
    """
    from xlplugin.inputs.loader import load
    from xlplugin.inputs.spec import check_claim_stages

    named = method_key(method) if isinstance(method, str) else None
    if named is None:
        raise InputError(Problem(f"method '{method}' is not one of {', '.join(METHODS)}"))
    method = named
    if not 0 < confidence < 1:
        raise InputError(Problem(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence}"))
    generated = parse_timestamp(timestamp)
    loaded = load(input_path, suppressed=suppressed, options=read_options)  # read once: stdin works too
    funnel, read_spec, table = loaded.funnel, loaded.spec, loaded.table
    if read_spec is not None or spec is None:
        spec = read_spec
    else:
        check_claim_stages(spec, funnel, f"{input_path} (against the claims recorded in the workbook)")
    source = Source(
        name=loaded.path.name if loaded.path is not None else loaded.name,
        sha256=loaded.sha256,
        header=tuple(table.header),
        rows=tuple(tuple(r) for r in table.rows),
        encoding=table.encoding,
        delimiter=table.delimiter,
    )
    from xlplugin.core.overdispersion import ADJUSTMENTS

    if overdispersion not in ADJUSTMENTS:
        raise InputError(Problem(f"overdispersion '{overdispersion}' is not one of {', '.join(ADJUSTMENTS)}"))
    options = Options(
        confidence=confidence,
        method=method,
        publish=publish,
        generated=generated,
        suppressed=(suppressed[0], suppressed[1]),
        periods=bool(periods),
        overdispersion=overdispersion,
        previous_periods=previous_periods if spec is not None and spec is not read_spec else None,
    )
    return report_layout(funnel, spec, source, options)


def render_layout(layout: Layout, fmt: str = "xlsx") -> bytes:
    """The layout as workbook bytes in `fmt` ('xlsx' or 'ods'); each writer is imported only when used."""
    if fmt == "ods":
        from xlplugin.report.ods import render as render_ods

        return render_ods(layout)
    from xlplugin.report.xlsx import render

    return render(layout)


def build_report_bytes(input_path: str | Path, fmt: str = "xlsx", **options) -> bytes:
    """The report workbook for INPUT as xlsx (or, `fmt="ods"`, ODS) bytes (options as `load_report_layout`)."""
    return render_layout(load_report_layout(input_path, **options), fmt)


def check_csv_folder(folder: str | Path, names: list[str] | None, force: bool) -> Path:
    """The folder for the tidy CSVs (created if missing, its parent must exist); InputError if a
    file we would write is already there without `force`."""
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise InputError(Problem("--csv needs a folder, but this is a file", str(out)))
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(Problem(f"the folder '{parent}' does not exist", str(out)))
    if names and out.is_dir() and not force:
        there = [n for n in names if (out / n).exists()]
        if there:
            raise InputError(Problem(f"{there[0]} exists in the --csv folder; use --force to overwrite it", str(out)))
    return out


def build_report(
    input_path: str | Path,
    output_path: str | Path,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
    publish: bool = False,
    force: bool = False,
    timestamp: str | dt.datetime | None = None,
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED,
    periods: bool = False,
    overdispersion: str = "auto",
    fmt: str | None = None,
    read_options=None,
    csv_dir: str | Path | None = None,
) -> Path:
    """Write the FOI-summary workbook for INPUT to OUTPUT (.xlsx or .ods); InputError (nothing written) on bad input.

    With `csv_dir`, also the tidy CSV companion (one CSV per table and datapackage.json) there."""
    out = check_output(output_path, force, (Path(input_path),), fmt)
    if csv_dir is not None:
        check_csv_folder(csv_dir, None, force)
    layout = load_report_layout(
        input_path,
        confidence=confidence,
        method=method,
        publish=publish,
        timestamp=timestamp,
        suppressed=suppressed,
        periods=periods,
        overdispersion=overdispersion,
        read_options=read_options,
    )
    data = render_layout(layout, output_format(out, fmt))
    tidy: dict[str, bytes] = {}
    if csv_dir is not None:
        from xlplugin.report.tidy import tidy_files

        tidy = tidy_files(layout)
    # check again: the files may have appeared while we were working
    check_output(out, force, (Path(input_path),), fmt)
    if csv_dir is not None:
        folder = check_csv_folder(csv_dir, list(tidy), force)
        folder.mkdir(exist_ok=True)
    write_atomically(out, data, force=force)
    for name, content in tidy.items():
        write_atomically(folder / name, content, force=True)  # check_csv_folder has refused what --force must allow
    return out
