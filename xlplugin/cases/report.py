"""`xlplugin report --cases`: the FOI-summary workbook of a funnel counted from case records.

The same layout and writer as `xlplugin report`; the data sheet holds the funnel the query
gave (as a funnel CSV would), with the case file's SHA-256, the query in words and in SQL,
the case counts it came from, and the suppression rule when one was applied.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from xlplugin.cases.funnel import CaseFunnel, sha256_of


def provenance(result: CaseFunnel) -> tuple[str, ...]:
    """The data sheet's lines saying how its table was counted."""
    from xlplugin.cases.sql import transpile

    if result.counted_elsewhere:
        how = (
            "The table is the funnel counted from case records by the query below, run on another engine; "
            "the source file is the query's saved result (one row per pattern of cases)."
        )
    else:
        how = "The table is the funnel counted from the case records in the source file (one row per case)."
    lines = [
        how + " It is given as a funnel CSV would give it; whole numbers are stored as numbers.",
        f"Query: {result.query.describe()}.",
        *result.summary().splitlines()[1:],
        "The query (DuckDB SQL; `xlplugin rates --cases ... --sql postgres` prints it for other engines):",
    ]
    lines += [line for line in transpile(result.sql, "duckdb").splitlines() if line.strip()]
    return tuple(line.strip() if not line.startswith("    ") else line for line in lines)


def prepare(args: argparse.Namespace, path: str):
    """(funnel, report Source) for the case file at `path` and the `--cases` options."""
    from xlplugin.cases.cli import load
    from xlplugin.report.layout import Source

    result = load(args, path)
    header, rows = result.table()
    source = Source(
        name=Path(path).name, sha256=sha256_of(Path(path)), header=header, rows=rows, derived=provenance(result)
    )
    return result.funnel, source, result


def build_case_report(args: argparse.Namespace) -> Path:
    """Validate, count, lay out and write atomically; InputError (nothing written) on bad input."""
    from xlplugin.report.build import check_output, output_format, parse_timestamp, render_layout, write_atomically
    from xlplugin.report.layout import Options, report_layout

    source_path = Path(args.input)
    out = check_output(args.output, args.force, (source_path,), args.format)
    generated = parse_timestamp(args.timestamp)
    funnel, source, result = prepare(args, args.input)
    options = Options(
        confidence=args.confidence,
        method=args.method,
        publish=args.publish,
        generated=generated,
        suppressed=result.suppressed,
        periods=args.periods,
        overdispersion=args.overdispersion,
    )
    data = render_layout(report_layout(funnel, None, source, options), output_format(out, args.format))
    check_output(out, args.force, (source_path,), args.format)  # it may have appeared while we counted
    write_atomically(out, data, force=args.force)
    return out
