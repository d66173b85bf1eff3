"""The `--cases` options, shared by every command that takes a funnel, and their glue.

Kept apart from `xlplugin.cli` so that file gains a line per command, not a feature; and light
(argparse only) because the parser is built on every start-up.
"""

from __future__ import annotations

import argparse

PERIOD_CHOICES = ("month", "quarter", "year")
SQL_CHOICES = ("duckdb", "postgres", "spark", "bigquery", "tsql")


def _at_least_two(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--suppress-below takes a whole number such as 5, not '{text}'") from None
    if value < 2:
        raise argparse.ArgumentTypeError("--suppress-below must be 2 or more (5 suppresses counts 1 to 4)")
    return value


def add_case_options(p: argparse.ArgumentParser, *, sql: bool = False) -> None:
    """`--cases` and its companions; INPUT is then one row per case (CSV or Parquet)."""
    g = p.add_argument_group("case records (INPUT is one row per case: CSV or Parquet; needs xlplugin[cases])")
    g.add_argument("--cases", action="store_true", help="count the funnel from case records")
    g.add_argument("--stages", metavar="COL,COL,...", help="the stage columns in funnel order (COL=Name renames)")
    g.add_argument("--id", metavar="COL", help="count distinct values of COL (duplicate ids are reported)")
    g.add_argument("--by", metavar="COL", help="one programme per value of COL (an area, say)")
    g.add_argument("--by-period", choices=PERIOD_CHOICES, help="one programme per period of the first stage's date")
    g.add_argument(
        "--ordered", action="store_true", help="a stage counts only after every earlier stage, in date order"
    )
    g.add_argument("--within", metavar="30d", help="a later stage counts only within this time of the first (d, w, h)")
    g.add_argument("--unit", metavar="UNIT", help="what a case is (people, households...); default 'not stated'")
    g.add_argument("--suppress-below", type=_at_least_two, metavar="N", help="write counts 1 to N-1 as [c]")
    g.add_argument(
        "--query-result",
        action="store_true",
        help="INPUT is the saved result (CSV) of the --sql query run on another engine, with the same options",
    )
    if sql:
        g.add_argument("--sql", choices=SQL_CHOICES, help="print the query in this SQL dialect and stop")
        g.add_argument("--sql-table", metavar="NAME", help="with --sql: the table the query reads (default cases)")


def wants_cases(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "cases", False))


def load(args: argparse.Namespace, path: str):
    """The CaseFunnel for the command's INPUT and `--cases` options (InputError on bad input)."""
    from xlplugin.cases.funnel import load_cases
    from xlplugin.core.cases import make_query
    from xlplugin.core.errors import InputError, Problem

    if not args.stages:
        raise InputError(Problem("--cases needs --stages COL,COL,... naming the stage columns in funnel order"))
    query = make_query(
        args.stages,
        id=args.id,
        by=args.by,
        by_period=args.by_period,
        ordered=args.ordered,
        within=args.within,
        unit=args.unit,
        suppress_below=args.suppress_below,
    )
    if args.query_result:
        from xlplugin.cases.funnel import load_query_result

        return load_query_result(path, query)
    return load_cases(path, query)


def refuse_case_options_without_cases(args: argparse.Namespace) -> None:
    """`--stages` and friends without `--cases` would be silently ignored: say so instead."""
    from xlplugin.core.errors import InputError, Problem

    given = [
        f"--{name.replace('_', '-')}"
        for name in ("stages", "id", "by", "by_period", "within", "unit", "suppress_below", "sql", "sql_table")
        if getattr(args, name, None) not in (None, False)
    ]
    given += [f"--{name.replace('_', '-')}" for name in ("ordered", "query_result") if getattr(args, name, False)]
    if given and not wants_cases(args):
        raise InputError(Problem(f"{', '.join(given)} go(es) with --cases (INPUT as one row per case)"))
    if wants_cases(args):
        # the READING options (cli._add_input_options); refresh spells the workbook's --input-sheet...
        workbook = "--input-" if args.command == "refresh" else "--"
        flags = {
            "layout": "--layout",
            "programme_column": "--programme-column",
            "not_available": "--not-available",
            "zero": "--zero",
            "input_format": "--input-format" if args.command in ("report", "refresh") else "--format",
            "input_sheet": f"{workbook}sheet",
            "input_table": f"{workbook}table",
            "cell_range": f"{workbook}range",
        }
        ignored = [flag for name, flag in flags.items() if getattr(args, name, None) is not None]
        if ignored:
            raise InputError(
                Problem(f"{', '.join(ignored)} read(s) a funnel table, not case records: leave it out with --cases")
            )


def print_sql(args: argparse.Namespace) -> int:
    """`rates --cases --sql DIALECT`: the query, resolved against the file's columns, in that dialect."""
    from xlplugin.cases.sql import SOURCE, transpile

    result = load(args, args.input)
    sql = result.sql
    if args.sql_table:  # the query reads its table in one place: the first step's FROM
        sql = sql.replace(f" FROM {SOURCE}), ", f" FROM {args.sql_table}), ", 1)
    print(transpile(sql, args.sql) + ";")
    return 0
