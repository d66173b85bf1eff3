"""The `xlplugin` command line: a thin adapter over the core.

Heavy modules (XlsxWriter, the report writer, refresh) are imported inside the commands
that need them, so `xlplugin --help` and `xlplugin rates` start about as fast as Python.
Exit status: 0 success, 2 bad input (a message, no traceback), 1 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from xlplugin import __version__
from xlplugin.core.errors import InputError, Problem

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


def _method(text: str) -> str:
    """An interval method by any of its registered spellings ('clopper-pearson' -> 'exact')."""
    from xlplugin.core.intervals import method_key

    return method_key(text) or text


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit 2 with our one-paragraph style."""

    def error(self, message: str) -> None:  # pragma: no cover - exercised via CLI tests
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"xlplugin: {message}\n")


def _confidence(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"confidence must be a number between 0 and 1, not '{text}'") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"confidence must be between 0 and 1 (e.g. 0.95), not {text}")
    return value


def _suppressed(text: str) -> tuple[int, int]:
    from xlplugin.core.counts import parse_suppressed_range

    try:
        return parse_suppressed_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_stat_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--confidence", type=_confidence, default=0.95, help="confidence level (default 0.95)")
    from xlplugin.core.intervals import METHODS

    p.add_argument("--method", type=_method, choices=METHODS, default="wilson", help="interval method (default wilson)")
    _add_suppressed(p)


def _add_suppressed(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--suppressed",
        type=_suppressed,
        default=(0, 4),
        metavar="LOW-HIGH",
        help="the range a suppressed marker (*, [c], c, ~) stands for (default 0-4)",
    )


OVERDISPERSION_CHOICES = ("none", "multiplicative", "additive", "auto")


def _add_comparison_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--periods", action="store_true", help="the programmes are periods (times), even if not recognised")
    p.add_argument(
        "--overdispersion",
        choices=OVERDISPERSION_CHOICES,
        default="auto",
        help="funnel-plot limits for areas: Spiegelhalter's adjustment (default auto: additive when overdispersed)",
    )


def _add_checked_against(p: argparse.ArgumentParser, programme_help: str) -> None:
    """INPUT, the funnel a claim or an article's figures are checked against, with --programme P,
    --suppressed and --json."""
    p.add_argument("input", metavar="INPUT", help="funnel CSV or report spec (.toml)")
    p.add_argument("--programme", metavar="P", help=programme_help)
    _add_suppressed(p)
    p.add_argument("--json", action="store_true", help="print JSON (a stable interface; see README)")


def _add_input_options(p: argparse.ArgumentParser, format_flag: str = "--format", *, own_table: bool = False) -> None:
    """How to read INPUT: its format (for standard input), layout, and where a workbook's data is.

    `report` spends `--format` on what it writes (xlsx or ods), so there INPUT's is `--input-format`.
    `refresh` (`own_table`) spends `--sheet` and `--table` on the table it writes into WORKBOOK, so
    there INPUT's sheet, table and range are only `--input-sheet`, `--input-table`, `--input-range`
    (every command accepts those spellings too, and `--input-format`).
    """
    g = p.add_argument_group("reading INPUT (a CSV, an .xlsx/.xlsm workbook, a .toml spec, or - for standard input)")
    g.add_argument(
        *dict.fromkeys((format_flag, "--input-format")),
        dest="input_format",
        choices=("csv", "xlsx"),
        help="what INPUT is, when its bytes cannot tell",
    )
    g.add_argument("--layout", choices=("one-row-per-stage", "wide", "long"), help="override the detected layout")
    g.add_argument("--programme-column", metavar="NAME", help="the column that names programmes (long tables)")
    g.add_argument("--dash", choices=("unavailable", "zero"), default="unavailable", help="what a '-' count means")
    g.add_argument(
        "--not-available",
        metavar="TOKEN[,TOKEN]",
        help="the counts that mean not available, besides [x], x, [z], z (default: ..,-)",
    )
    g.add_argument("--zero", metavar="TOKEN[,TOKEN]", help="the counts that mean nil, 0 (such as -)")

    def flags(name: str) -> list[str]:
        return [f"--input-{name}"] if own_table else [f"--{name}", f"--input-{name}"]

    g.add_argument(*flags("sheet"), metavar="NAME", dest="input_sheet", help="workbook: the worksheet to read")
    g.add_argument(*flags("table"), metavar="NAME", dest="input_table", help="workbook: the Excel table to read")
    g.add_argument(
        *flags("range"), metavar="A5:D12", dest="cell_range", help="workbook: the cells to read (header first)"
    )


def _rates_arguments(p: argparse.ArgumentParser) -> None:
    from xlplugin.cases.cli import add_case_options

    p.add_argument("input", metavar="INPUT", help="funnel CSV or report spec (.toml)")
    _add_stat_options(p)
    _add_comparison_options(p)
    p.add_argument("--json", action="store_true", help="print JSON (a stable interface; see README)")
    _add_input_options(p)
    add_case_options(p, sql=True)
    p.set_defaults(run=cmd_rates)


def _claim_arguments(p: argparse.ArgumentParser) -> None:
    from xlplugin.cases.cli import add_case_options

    p.add_argument("claim", metavar="TEXT", help='the claim, e.g. "9%%", "just over 6%%", "one in 16"')
    _add_checked_against(p, "check the claim in this programme or period only")
    _add_input_options(p)
    add_case_options(p)
    p.set_defaults(run=cmd_claim)


def _check_arguments(p: argparse.ArgumentParser) -> None:
    from xlplugin.cases.cli import add_case_options

    p.add_argument("text", metavar="TEXT", help="the article: .txt, .html, .docx, .pdf, or - for standard input")
    _add_checked_against(p, "check against this programme only")
    p.add_argument("-o", "--output", metavar="REPORT.xlsx", help="also write the workbook with the claims table")
    p.add_argument("--force", action="store_true", help="overwrite REPORT.xlsx if it exists")
    _add_input_options(p)
    add_case_options(p)
    p.set_defaults(run=cmd_check)


def _report_arguments(p: argparse.ArgumentParser) -> None:
    from xlplugin.cases.cli import add_case_options

    p.add_argument("input", metavar="INPUT", help="funnel CSV or report spec (.toml)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.xlsx|OUT.ods", help="the workbook to write")
    p.add_argument("--format", choices=("xlsx", "ods"), help="xlsx or ods (default: from OUT's suffix)")
    p.add_argument("--csv", metavar="DIR", help="also write the tidy CSVs (one per table) and datapackage.json to DIR")
    _add_stat_options(p)
    p.add_argument("--publish", action="store_true", help="values only, no formulas (for publication)")
    p.add_argument("--force", action="store_true", help="overwrite OUT.xlsx if it exists")
    p.add_argument("--timestamp", metavar="ISO", help="generated time to record (for byte-identical rebuilds)")
    _add_comparison_options(p)
    _add_input_options(p, format_flag="--input-format")
    add_case_options(p)
    p.set_defaults(run=cmd_report)


def _refresh_arguments(p: argparse.ArgumentParser) -> None:
    from xlplugin.cases.cli import add_case_options

    p.add_argument("workbook", metavar="WORKBOOK", help="the .xlsx/.xlsm to update")
    p.add_argument(
        "input", metavar="INPUT", help="the new data: a CSV, a workbook, a report spec, or - for standard input"
    )
    p.add_argument("--table", metavar="NAME", help="write INPUT as Excel table NAME into any workbook")
    p.add_argument("--sheet", metavar="SHEET", help="with --table: the sheet for a new table")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of updating WORKBOOK")
    p.add_argument("--backup", action="store_true", help="keep the previous file beside it")
    p.add_argument("--force", action="store_true", help="overwrite cells the user edited in owned sheets")
    _add_input_options(p, format_flag="--input-format", own_table=True)
    add_case_options(p)
    p.set_defaults(run=cmd_refresh)


def _check_workbook_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("workbook", metavar="FILE", help="the .xlsx/.xlsm to check")
    p.add_argument("--json", action="store_true", help="print JSON: findings and warnings")
    p.set_defaults(run=cmd_check_workbook)


def _excel_starter_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("output", metavar="OUT.xlsm")
    p.add_argument("--force", action="store_true", help="overwrite OUT.xlsm if it exists")
    p.set_defaults(run=cmd_excel_starter)


def _excel_setup_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="PATH", help="the xlwings.conf to update (default ~/.xlwings/xlwings.conf)")
    p.set_defaults(run=cmd_excel_setup)


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "rates": ("print the funnel table of a CSV or report spec", _rates_arguments),
    "claim": ("which numerator/denominator definitions reproduce a claim", _claim_arguments),
    "check": ("find every figure in an article and check it against the figures", _check_arguments),
    "report": ("write the FOI-summary workbook", _report_arguments),
    "refresh": ("update a workbook from new data (a CSV or a workbook), keeping everything else", _refresh_arguments),
    "check-workbook": (
        "check a workbook against the accessibility guidance, with publishing warnings",
        _check_workbook_arguments,
    ),
    "excel-starter": ("build the Excel starter workbook (.xlsm) from xlwings' template", _excel_starter_arguments),
    "excel-setup": ("add xlplugin.udfs to your xlwings configuration", _excel_setup_arguments),
}


def _look_up_argparse_messages_once() -> None:
    """argparse translates each message through `gettext.gettext`, which searches the locale
    folders for a catalogue on every call (some 25 calls, 2 ms, to build one command's parser).
    The catalogue `gettext.gettext` would find, looked up once, gives the same words."""
    import gettext

    translate = getattr(argparse, "_", None)  # argparse 3.11 to 3.13: `from gettext import gettext as _`
    if translate is None or getattr(translate, "__self__", None) is not None:  # another argparse, or done
        return
    domain = gettext.textdomain()
    catalogue: gettext.NullTranslations
    try:
        catalogue = gettext.translation(domain, gettext.bindtextdomain(domain))
    except OSError:  # none: as gettext.gettext, the messages as written
        catalogue = gettext.NullTranslations()
    argparse._ = catalogue.gettext  # type: ignore[attr-defined]
    argparse.ngettext = catalogue.ngettext  # type: ignore[attr-defined]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; or, with `only`, a parser of that one command (and the top level's options).
    Why: adding all eight commands is a tenth of the start-up of `xlplugin rates`, and one run
    parses one command; the list of commands shows only when none is named (`--help`, a typo)."""
    _look_up_argparse_messages_once()
    parser = _Parser(
        prog="xlplugin",
        description="Funnel and uptake rates whose denominators are always stated.",
    )
    parser.add_argument("--version", action="version", version=f"xlplugin {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, (summary, add_arguments) in COMMANDS.items():
        if only is None or only == name:
            add_arguments(sub.add_parser(name, help=summary))
    return parser


def _command_of(argv: list[str]) -> str | None:
    """The command `argv` names: its first word that is not an option (the top level's options take
    no value), or None (the whole parser, for `--help` and errors) when there is none."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


# --- commands -------------------------------------------------------------------------


def read_options(args):
    """The `ReadOptions` of the `_add_input_options` flags."""
    from xlplugin.inputs.loader import ReadOptions

    return ReadOptions(
        layout=args.layout,
        programme_column=args.programme_column,
        dash=args.dash,
        not_available=args.not_available,
        zero=args.zero,
        format=args.input_format,
        sheet=args.input_sheet,
        table=args.input_table,
        cell_range=args.cell_range,
    )


def load_input_of(args):
    """The input, read once (`xlplugin.inputs.load`); its notes (layout, columns taken) go to stderr."""
    from xlplugin.cases import cli as cases

    cases.refuse_case_options_without_cases(args)
    if cases.wants_cases(args):  # one row per case: count the funnel first (xlplugin.cases)
        args.case_funnel = cases.load(args, args.input)
        return args.case_funnel
    from xlplugin.inputs.loader import load

    loaded = load(args.input, suppressed=args.suppressed, options=read_options(args))
    for note in loaded.notes:
        print(f"xlplugin {args.command}: {note}", file=sys.stderr)
    return loaded


def cmd_rates(args) -> int:
    from xlplugin.core.rates import funnel_rates

    if getattr(args, "sql", None) and args.cases:
        from xlplugin.cases.cli import print_sql

        return print_sql(args)
    loaded = load_input_of(args)
    funnel = loaded.funnel
    case_funnel = getattr(args, "case_funnel", None)
    tables = [(p, funnel_rates(p, args.confidence, args.method)) for p in funnel.programmes]
    periods, changes, plot = _comparison(funnel, args)
    if args.json:
        import json

        doc = {
            "confidence": args.confidence,
            "method": args.method,
            "programmes": [{"name": p.name, "stages": [r.as_json() for r in rows]} for p, rows in tables],
            "disagreements": [d.as_json() for d in getattr(loaded, "disagreements", ())],
        }
        if periods is not None:
            doc["periods"] = [p.name for p in periods]
            doc["changes"] = [c.as_json() for c in changes]
        if plot is not None:
            doc["funnel_plot"] = plot.as_json()
        if case_funnel is not None:
            doc["cases"] = case_funnel.as_json()
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return EXIT_OK
    from xlplugin.textreport import changes_text, funnel_plot_text, rates_table

    if case_funnel is not None:
        print(case_funnel.summary() + "\n")
    print(rates_table(tables, args.confidence, args.method))
    if periods is not None:
        print("\n" + changes_text(changes, args.confidence))
    if plot is not None:
        print("\n" + funnel_plot_text(plot))
    return EXIT_OK


def _comparison(funnel, args):
    """Periods (in time order) with their changes, or, for three or more areas, the funnel plot."""
    if len(funnel.programmes) < 2:  # neither: and `rates` on one funnel need not import them
        return None, [], None
    from xlplugin.core.changes import period_changes
    from xlplugin.core.funnel_plot import funnel_plot
    from xlplugin.core.periods import period_programmes

    periods = period_programmes(funnel, args.periods)
    if periods is not None:
        return periods, period_changes(periods, args.confidence), None
    return None, [], funnel_plot(funnel, args.overdispersion)


def cmd_claim(args) -> int:
    from xlplugin.core.claims import ClaimError, check_claim, parse_claim, verdict_words

    try:
        claim = parse_claim(args.claim)
    except ClaimError as exc:
        raise InputError(str(exc)) from None
    funnel = load_input_of(args).funnel
    try:
        verdict = check_claim(claim, funnel, args.programme)
    except ClaimError as exc:
        raise InputError(f"{args.input}: {exc}") from None
    if args.json:
        import json

        from xlplugin.textreport import verdict_json

        print(json.dumps(verdict_json(args.claim, verdict), indent=2, ensure_ascii=False))
        return EXIT_OK
    from xlplugin.textreport import claim_text

    print(claim_text(args.claim, verdict, verdict_words(verdict, funnel)))
    return EXIT_OK


def cmd_check(args) -> int:
    from xlplugin.articles.command import run_check

    return run_check(args)


def cmd_report(args) -> int:
    from xlplugin.cases import cli as cases

    cases.refuse_case_options_without_cases(args)
    if cases.wants_cases(args):
        from xlplugin.cases.report import build_case_report

        print(f"wrote {build_case_report(args)}")
        return EXIT_OK
    from xlplugin.report import build_report

    out = build_report(
        args.input,
        args.output,
        confidence=args.confidence,
        method=args.method,
        publish=args.publish,
        force=args.force,
        timestamp=args.timestamp,
        suppressed=args.suppressed,
        periods=args.periods,
        overdispersion=args.overdispersion,
        fmt=args.format,
        read_options=read_options(args),
        csv_dir=args.csv,
    )
    print(f"wrote {out}" + (f" and the tidy CSVs in {args.csv}" if args.csv else ""))
    return EXIT_OK


def cmd_refresh(args) -> int:
    # by full name: the subpackage `xlplugin.refresh`, whatever the API facade has cached
    from xlplugin.refresh import refresh_table, refresh_workbook

    if args.table and getattr(args, "cases", False):
        raise InputError("--cases refreshes a report made by `report --cases`; --table writes a CSV as it is")
    # both refreshes take these; INPUT is read as `rates` reads it (READING)
    writing = {"output": args.output, "backup": args.backup, "force": args.force, "read_options": read_options(args)}
    if args.table:
        funnel_only = (
            (args.layout, "--layout"),
            (args.programme_column, "--programme-column"),
            (args.not_available, "--not-available"),
            (args.zero, "--zero"),
            ("zero" if args.dash == "zero" else None, "--dash"),
        )
        for given, flag in funnel_only:
            if given is not None:
                raise InputError(Problem(f"{flag} reads a funnel; --table writes INPUT as it is", column=flag))
        notes: list[str] = []
        out = refresh_table(args.workbook, args.input, args.table, sheet=args.sheet, notes=notes, **writing)
        for note in notes:
            print(f"xlplugin refresh: {note}", file=sys.stderr)
    else:
        if args.sheet:
            raise InputError("--sheet goes with --table NAME (INPUT's own sheet is --input-sheet NAME)")
        from xlplugin.cases import cli as cases

        cases.refuse_case_options_without_cases(args)
        prepared = None
        if cases.wants_cases(args):  # INPUT is case records: count the funnel first (xlplugin.cases)
            from xlplugin.cases.report import prepare

            prepared = prepare(args, args.input)[:2]
        out = refresh_workbook(args.workbook, args.input, prepared=prepared, **writing)
    print(f"wrote {out}")
    return EXIT_OK


def cmd_check_workbook(args) -> int:
    """Exit 0 when the workbook passes every accessibility check (warnings are advice), 1 when not."""
    from xlplugin.accessibility.checker import CHECKS
    from xlplugin.accessibility.ods import ODS_CHECKS, is_ods
    from xlplugin.accessibility.publishing import check_for_publication

    findings, warnings = check_for_publication(args.workbook)
    checks = len(ODS_CHECKS) if is_ods(args.workbook) else len(CHECKS)
    if args.json:
        import json

        def record(f) -> dict:
            return {"check": f.check, "sheet": f.sheet, "where": f.where, "message": f.message}

        doc = {
            "file": args.workbook,
            "passes": not findings,
            "checks": checks,
            "findings": [record(f) for f in findings],
            "warnings": [record(f) for f in warnings],
        }
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for f in findings:
            print(f"{args.workbook}: {f}")
        for f in warnings:
            print(f"{args.workbook}: warning: {f}")
        if not findings:
            print(
                f"{args.workbook}: passes all {checks} accessibility checks"
                + (f" ({len(warnings)} warnings)" if warnings else "")
            )
    return 1 if findings else EXIT_OK


def cmd_excel_starter(args) -> int:
    from xlplugin.excel.starter import build_excel_starter

    out = build_excel_starter(args.output, force=args.force)
    print(f"wrote {out} and {out.with_suffix('.py')} (its Refresh from CSV button runs that file: keep them together)")
    return EXIT_OK


def cmd_excel_setup(args) -> int:
    from xlplugin.excel.starter import excel_setup

    print(excel_setup(args.config))
    return EXIT_OK


#: The collector's first threshold while a command runs (Python's default is 700). Why: a command
#: makes most of its objects once and keeps them (modules, classes, functions, patterns), so the
#: default ran some 20 collections in `report`, about 6 ms of its 100, that found almost nothing
#: to free; at 50,000 a short command runs none and a long one still collects its cycles.
COLLECT_AFTER = 50_000


def main(argv: list[str] | None = None) -> int:
    """The command line (`argv`, or this process's own arguments when None: run as the program)."""
    import gc

    threshold = gc.get_threshold()
    gc.set_threshold(max(COLLECT_AFTER, threshold[0]), *threshold[1:])
    try:
        return _main(argv)
    finally:
        # A caller's process (tests, a notebook) is left as it was. The program's own is about to
        # end: restoring would only run, on its way out, the collection the threshold spared.
        if argv is not None:
            gc.set_threshold(*threshold)


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(_command_of(argv)).parse_args(argv)
    try:
        return args.run(args)
    except InputError as exc:
        print(f"xlplugin {args.command}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        name = exc.filename or ""
        print(f"xlplugin {args.command}: cannot open '{name}': {exc.strerror}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # `xlplugin rates f.csv | head`: the reader stopped; not an error (before OSError)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not complain again
        return EXIT_OK
    except OSError as exc:  # the environment (disk full, name too long...): plain words, exit 2, never "a bug"
        from xlplugin.ooxml.atomic import environment_error

        print(f"xlplugin {args.command}: {environment_error(exc.filename or '', exc, 'used')}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt as exc:  # a WriteInterrupted says whether the file was replaced
        print(f"xlplugin: {exc if getattr(exc, 'path', None) else 'interrupted; nothing was written'}", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: say so plainly, traceback only when asked
        if os.environ.get("XLPLUGIN_DEBUG"):
            raise
        print(
            f"xlplugin {args.command}: internal error ({type(exc).__name__}: {exc}). "
            "This is a bug in xlplugin, not in your file; rerun with XLPLUGIN_DEBUG=1 for details.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
