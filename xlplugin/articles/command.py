"""`xlplugin check TEXT INPUT`: the command-line adapter over the article checker.

Everything is read and validated before anything is written: the text, the figures, the
programme, and the output path.
"""

from __future__ import annotations

import dataclasses

from xlplugin.core.errors import InputError, Problem


def run_check(args) -> int:
    from xlplugin.articles.check import check_text, claims_text
    from xlplugin.articles.readers import read_article
    from xlplugin.cases import cli as cases
    from xlplugin.inputs.spec import load_input

    cases.refuse_case_options_without_cases(args)
    if cases.wants_cases(args):  # one row per case (xlplugin.cases): the funnel is counted first
        if args.output:
            raise InputError(Problem("-o with --cases: write the workbook with `xlplugin report --cases`", column="-o"))
        case_funnel = cases.load(args, args.input)
        funnel, spec, csv_path = case_funnel.funnel, None, case_funnel.path
    else:
        funnel, spec, csv_path = load_input(args.input, suppressed=args.suppressed)
    if args.programme is not None and args.programme not in [p.name for p in funnel.programmes]:
        known = ", ".join(f"'{p.name}'" for p in funnel.programmes if p.name) or "none (the file has one programme)"
        raise InputError(
            Problem(f"programme '{args.programme}' is not in {args.input}; programmes: {known}", column="--programme")
        )
    text, name = read_article(args.text)
    result = check_text(text, funnel, source=name, input_name=str(args.input), programme=args.programme)
    if args.output:
        out = write_report(
            result, args.input, spec, csv_path, args.output, force=args.force, suppressed=args.suppressed
        )
    if args.json:
        import json

        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        print(claims_text(result))
    if args.output:
        print(f"wrote {out}") if not args.json else None
    return 0


def _claim_text(claim) -> str | None:
    """The rate as the claims table reads it ("just over 6%"), or None when it cannot."""
    from xlplugin.core.claims import QUALIFIERS, ClaimError, parse_claim

    f = claim.finding
    qualifier = f.qualifier if f.qualifier in QUALIFIERS else ""
    text = f"{qualifier} {f.expression.text}".strip()
    try:
        return text if parse_claim(text).kind == "rate" else None
    except ClaimError:
        return None


def write_report(result, input_path, spec, csv_path, output, *, force: bool, suppressed):
    """The FOI-summary workbook, with the article's rate claims in its claims table (who published
    them, with the line and quote, and the best supported definition as the stated one)."""
    from xlplugin.inputs.spec import ClaimSpec, ReportSpec
    from xlplugin.report.build import check_output, load_report_layout, write_atomically
    from xlplugin.report.xlsx import render

    out = check_output(output, force, (csv_path,))
    publisher = getattr(spec, "publisher", None) if spec is not None else None
    entries = []
    for c in result.claims:
        if c.kind != "rate" or c.verdict.verdict == "not_checkable":
            continue
        best = c.verdict.best
        text = _claim_text(c)
        if text is None:
            continue
        by = f"{publisher or 'Not stated'}, {result.source} line {c.line}: \u201c{c.quote}\u201d ({c.verdict.verdict})"
        entries.append(
            ClaimSpec(
                text=text,
                by=by,
                numerator=best.numerator if best else None,
                denominator=best.denominator if best else None,
            )
        )
    merged = dataclasses.replace(spec or ReportSpec(), claims=tuple(spec.claims if spec else ()) + tuple(entries))
    layout = load_report_layout(csv_path, suppressed=suppressed, spec=merged)
    data = render(layout)
    check_output(out, force, (csv_path,))
    write_atomically(out, data)
    return out
