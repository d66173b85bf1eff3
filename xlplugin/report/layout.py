"""From a funnel (and an optional report spec) to the ordered parts of the FOI-summary workbook.

Pure: no I/O, no XlsxWriter. The same layout is rendered by `xlsx.render` and re-applied by
`refresh`, so the report's parts are described once. Every rate states its numerator and
denominator; cells that cannot hold a number carry GSS shorthand ([c], [x], [z]) with its
key in column A above the table; notes are numbered in order of first use (sheet builders
run in sheet order, the notes sheet is made last), so every note is used and defined.
"""

from __future__ import annotations

from xlplugin.core.counts import DEFAULT_MISSING
from xlplugin.core.funnel import Funnel
from xlplugin.core.retitle import retitle, stated_periods
from xlplugin.report import ownership
from xlplugin.report.common import MIN_PRINT_SCALE, Context, Options, Source, oriented, print_scale, print_width_pt
from xlplugin.report.model import Layout, Sheet
from xlplugin.report.sheet_changes import changes_sheet, trend_chart_sheet
from xlplugin.report.sheet_denominators import denominators, denominators_chart_sheet, denominators_sheet
from xlplugin.report.sheet_front import contents_sheet, cover_sheet, data_sheet, default_title, notes_sheet
from xlplugin.report.sheet_funnel import funnel_chart_sheet, funnel_sheet
from xlplugin.report.sheet_programmes import funnel_plot_sheets, programmes_sheet

__all__ = ["MIN_PRINT_SCALE", "Options", "Source", "print_scale", "print_width_pt", "report_layout"]


def report_layout(funnel: Funnel, spec, source: Source, options: Options | None = None) -> Layout:
    """Every owned sheet of the report, in order: cover, contents, notes, tables and charts, data."""
    options = options if options is not None else Options()
    retitled, given = None, spec  # the record keeps the spec as given, so every refresh retitles from it
    names = [p.name for p in funnel.programmes]
    if spec is not None and getattr(spec, "title", None) and options.previous_periods is not None:
        retitled = retitle(spec.title, list(options.previous_periods), names)
        if retitled.replaced:
            spec = spec._replace(title=retitled.title)
    ctx = Context(funnel, spec, source, options)
    title = (getattr(spec, "title", None) if spec is not None else None) or default_title(ctx)
    defs = denominators(ctx)
    body: list[Sheet] = [funnel_sheet(ctx)]
    chart = funnel_chart_sheet(ctx)
    if chart:
        body.append(chart)
    body.append(denominators_sheet(ctx, defs))
    dchart = denominators_chart_sheet(ctx, defs)
    if dchart:
        body.append(dchart)
    if getattr(spec, "claims", None):  # only a spec with claims pays for importing the claim parser
        from xlplugin.report.sheet_claims import claims_sheet

        claims = claims_sheet(ctx)
        if claims:
            body.append(claims)
    programmes = programmes_sheet(ctx)
    if programmes:
        body.append(programmes)
    body += [s for s in (changes_sheet(ctx), trend_chart_sheet(ctx)) if s is not None]
    body += funnel_plot_sheets(ctx)
    body.append(data_sheet(ctx))
    cover = cover_sheet(ctx, title, retitled)
    notes = ctx.notes.notes()  # every builder has run: the notes are complete
    notes_page = notes_sheet(notes)
    contents = contents_sheet([cover, notes_page] + body)
    sheets = tuple(oriented(s) for s in (cover, contents, notes_page, *body))
    if spec is not None:
        from xlplugin.inputs.spec import spec_as_record
    record = ownership.ownership_record(
        options.version,
        confidence=options.confidence,
        method=options.method,
        publish=options.publish,
        suppressed=list(options.suppressed),
        **({"periods": True} if options.periods else {}),
        **({"overdispersion": options.overdispersion} if options.overdispersion != "auto" else {}),
        **({"missing": options.missing.as_record()} if options.missing != DEFAULT_MISSING else {}),
        **({"spec": spec_as_record(given)} if given is not None else {}),
        **({"data_periods": [p.label for p in stated]} if (stated := stated_periods(names)) else {}),
    )
    props = {
        "title": title,
        "subject": "Funnel and uptake rates with stated numerators and denominators",
        "author": (getattr(spec, "publisher", None) if spec is not None else None) or "xlplugin",
        "comments": f"Made by xlplugin {options.version} from {source.name}",
        "keywords": "FOI, funnel, uptake rate, confidence interval",
        "created": options.generated,
    }
    return Layout(
        title=title,
        sheets=sheets,
        notes=notes,
        properties=props,
        custom_properties=tuple(ownership.ownership_properties(record)),
        publish=options.publish,
    )
