"""The one editor of ``docProps/app.xml``'s sheet titles: they list the workbook's worksheets, in order.

Why: Excel writes the names of the worksheets (and of the defined names) into app.xml (``TitlesOfParts``, counted by
``HeadingPairs``), and anyone who unzips a published file reads them there. After a refresh that
adds, removes, renames or moves sheets the list must say what the workbook holds: a sheet refresh
withdrew must not stay named there, and the order must be the tab order (Excel does not repair a
stale list; it shows it in File > Info and to search indexers).

How: a heading's count and its run of titles are replaced by the names given, as a byte splice
(every other heading, such as Charts, and every other byte stay): the Worksheets by the workbook's
worksheets in tab order, the Named Ranges by those the workbook still defines.
A part that does not add up (counts that disagree with the titles, no Worksheets heading) is
left as it is: app.xml is a summary, and guessing at a damaged one could only make it worse.
"""

from __future__ import annotations

from xlplugin.ooxml.fragments import element
from xlplugin.ooxml.malformed import MalformedPart, as_index
from xlplugin.ooxml.scanner import Edit, Element, scan, set_attr, splice

APP_PART = "docProps/app.xml"

#: How app.xml's HeadingPairs names the worksheets, in the languages Excel writes it.
WORKSHEETS_HEADINGS = frozenset(
    ("worksheets", "arbeitsblätter", "feuilles de calcul", "hojas de cálculo", "werkbladen", "fogli di lavoro")
)


NAMED_RANGES_HEADINGS = frozenset(("named ranges", "benannte bereiche", "plages nommées", "rangos con nombre"))


def worksheet_titles(data: bytes, where: str = APP_PART) -> list[str] | None:
    """The worksheet titles app.xml lists, in order; None when it lists none or does not add up."""
    return _listed(data, WORKSHEETS_HEADINGS, where)


def with_worksheet_titles(data: bytes, names: list[str], where: str = APP_PART) -> bytes:
    """`data` with the Worksheets titles (and their count) made `names`, in order; unchanged if it does not add up."""
    return _with_group(data, WORKSHEETS_HEADINGS, names, where)


def with_named_range_titles(data: bytes, defined: list[str], sheets: list[str], where: str = APP_PART) -> bytes:
    """`data` whose Named Ranges titles name only what the workbook still defines.

    A title ``Sheet!Name`` (a sheet's own name, as Excel and XlsxWriter list print titles) stays
    while that sheet does; a plain title while a workbook-level name `defined` has it (Excel
    compares names case-insensitively). Names defined but not listed are added at the end.
    """
    listed = _listed(data, NAMED_RANGES_HEADINGS, where)
    if listed is None:
        return data
    sheet_names = {name.lower() for name in sheets}
    names = {name.lower() for name in defined}

    def stays(title: str) -> bool:
        if "!" in title:
            sheet = title.rsplit("!", 1)[0]
            if len(sheet) > 1 and sheet[0] == sheet[-1] == "'":
                sheet = sheet[1:-1].replace("''", "'")
            return sheet.lower() in sheet_names
        return title.lower() in names

    kept = [title for title in listed if stays(title)]
    shown = {title.lower() for title in kept}
    return _with_group(data, NAMED_RANGES_HEADINGS, kept + [n for n in defined if n.lower() not in shown], where)


def _listed(data: bytes, headings: frozenset[str], where: str) -> list[str] | None:
    found = _titles(data, headings, where)
    if found is None:
        return None
    items, start, count = found[1], found[3], found[4]
    return [items[i].text(data) for i in range(start, start + count)]


def _with_group(data: bytes, headings: frozenset[str], names: list[str], where: str) -> bytes:
    found = _titles(data, headings, where)
    if found is None:
        return data
    vector, items, count_el, start, count = found
    if [items[i].text(data) for i in range(start, start + count)] == names:
        return data
    item_tag = items[0].qname(data) if items else _vt_prefix(data, vector) + "lpstr"
    new = b"".join(element(item_tag, text=name) for name in names)
    if count:
        span = (items[start].start, items[start + count - 1].end, new)
    elif start < len(items):
        span = (items[start].start, items[start].start, new)
    elif start > 0:
        span = (items[start - 1].end, items[start - 1].end, new)
    elif not vector.empty:
        span = (vector.open_end, vector.open_end, new)
    else:
        return data  # an empty <vt:vector/>: not worth rebuilding
    edits: list[Edit] = [
        (count_el.open_end, count_el.close_start, str(len(names)).encode()),
        span,
        set_attr(data, vector, "size", str(len(items) - count + len(names))),
    ]
    return splice(data, edits)


def _vt_prefix(data: bytes, vector: Element) -> str:
    qname = vector.qname(data)
    return qname[: qname.index(":") + 1] if ":" in qname else ""


def _titles(
    data: bytes, headings: frozenset[str], where: str
) -> tuple[Element, list[Element], Element, int, int] | None:
    """(titles vector, its items, the heading's count element, its first title, count), or None."""
    try:
        root = scan(data, where)
    except MalformedPart:
        return None
    heading = next(root.iter("HeadingPairs"), None)
    titles = next(root.iter("TitlesOfParts"), None)
    if heading is None or titles is None:
        return None
    hvec = next(heading.iter("vector"), None)
    tvec = next(titles.iter("vector"), None)
    if hvec is None or tvec is None:
        return None
    variants = hvec.findall("variant")
    offset = 0
    target = None
    for i in range(0, len(variants) - 1, 2):
        label = "".join(el.text(data) for el in variants[i].iter("lpstr"))
        count_el = next(iter(variants[i + 1].children), None)
        if count_el is None or count_el.empty:
            return None
        count = as_index(count_el.text(data).strip())
        if count is None:
            return None
        if target is None and label.strip().lower() in headings:
            target = (count_el, offset, count)
        offset += count
    items = tvec.findall("lpstr")
    if target is None or offset != len(items):
        return None
    count_el, start, count = target
    return tvec, items, count_el, start, count
