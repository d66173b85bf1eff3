"""`xlplugin check TEXT INPUT`: the command-line adapter over the article checker.

Everything is read and validated before anything is written: the text, the figures, the
programme, and the output path.
"""

from __future__ import annotations

from xlplugin.core.errors import InputError, Problem


def run_check(args) -> int:
    from xlplugin.articles.check import check_text, claims_text
    from xlplugin.articles.readers import read_article
    from xlplugin.cases import cli as cases
    from xlplugin.cli import load_input_of

    if cases.wants_cases(args) and args.output:  # one row per case (xlplugin.cases): the funnel is counted first
        raise InputError(Problem("-o with --cases: write the workbook with `xlplugin report --cases`", column="-o"))
    loaded = load_input_of(args)  # read once, as `rates` reads it (a workbook, a wide or long table, stdin)
    funnel = loaded.funnel
    if args.programme is not None and args.programme not in [p.name for p in funnel.programmes]:
        known = ", ".join(f"'{p.name}'" for p in funnel.programmes if p.name) or "none (the file has one programme)"
        raise InputError(
            Problem(f"programme '{args.programme}' is not in {args.input}; programmes: {known}", column="--programme")
        )
    text, name = read_article(args.text)
    result = check_text(text, funnel, source=name, input_name=str(args.input), programme=args.programme)
    if args.output:
        out = write_report(result, text, loaded, args.output, force=args.force, suppressed=args.suppressed)
    if args.json:
        import json

        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        print(claims_text(result))
    if args.output:
        print(f"wrote {out}") if not args.json else None
    return 0


def _table_text(claim, text: str, funnel) -> str | None:
    """The claim as the claims table reads it ("just over 6%", "669"), or None when it cannot."""
    from xlplugin.articles.verdicts import _vocabulary, claim_text
    from xlplugin.core.claims import ClaimError, parse_claim

    words = claim_text(claim.finding, text, _vocabulary(funnel))
    try:
        parse_claim(words)
    except ClaimError:
        return None
    return words


def write_report(result, text, loaded, output, *, force: bool, suppressed):
    """The FOI-summary workbook, with the article's claims in its claims table: each as the claims
    table reads it, made by the spec's publisher (or "Not stated") at the article's line, quote
    and verdict; a rate with its best supported definition as the stated one, a change with its
    periods. Claims the figures cannot test are left out."""
    from xlplugin.inputs.spec import ClaimSpec, ReportSpec
    from xlplugin.report.build import check_output, load_report_layout, write_atomically
    from xlplugin.report.xlsx import render

    funnel, spec = loaded.funnel, loaded.spec
    inputs = tuple(p for p in (loaded.path, loaded.spec_path) if p is not None)
    out = check_output(output, force, inputs)
    publisher = getattr(spec, "publisher", None) if spec is not None else None
    entries = []
    for c in result.claims:
        if c.verdict.verdict == "not_checkable":
            continue
        words = _table_text(c, text, funnel)
        if words is None:
            continue
        best = c.verdict.best
        by = f"{publisher or 'Not stated'}, {result.source} line {c.line}: \u201c{c.quote}\u201d ({c.verdict.verdict})"
        rate = c.kind == "rate" and best is not None and best.denominator is not None
        entries.append(
            ClaimSpec(
                text=words,
                by=by,
                numerator=best.numerator if rate else None,
                denominator=best.denominator if rate else None,
                programme=c.verdict.programme if c.kind != "change" else None,
                from_programme=best.from_programme if best is not None and c.kind == "change" else None,
                to_programme=best.to_programme if best is not None and c.kind == "change" else None,
            )
        )
    merged = (spec or ReportSpec())._replace(claims=tuple(spec.claims if spec else ()) + tuple(entries))
    # the input as read (not read again: it may be standard input), with the article's claims as its spec
    layout = load_report_layout(loaded.name, suppressed=suppressed, spec=merged, loaded=loaded._replace(spec=None))
    data = render(layout)
    check_output(out, force, inputs)
    write_atomically(out, data)
    return out
