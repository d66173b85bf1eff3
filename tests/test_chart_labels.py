"""Chart point labels are the label cells' text as rich text (LibreOffice shows them), never a formula of that text."""

from __future__ import annotations

import io
import re
import zipfile

from test_report import NS

from xlplugin.report import load_report_layout
from xlplugin.report.build import render_layout

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
NAMES = ["Leeds", "=1+1", "+cmd|' /C calc'!A0", "Bradford & Keighley"]


def test_funnel_plot_labels_are_the_programme_names_and_never_formulas(tmp_path):
    from defusedxml import ElementTree

    path = tmp_path / "areas.csv"
    rows = ["programme,stage,count,base"]
    for i, name in enumerate(NAMES):
        quoted = '"' + name.replace('"', '""') + '"'
        rows += [f"{quoted},Applications,{100 + 10 * i},", f"{quoted},Disclosures,{40 + i},Applications"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    layout = load_report_layout(path)
    sheet = layout.sheet("funnel_plot")
    z = zipfile.ZipFile(io.BytesIO(render_layout(layout, "xlsx")))
    (chart,) = [
        ElementTree.fromstring(z.read(n))
        for n in z.namelist()
        if n.startswith("xl/charts/chart") and b"scatterChart" in z.read(n)
    ]
    labels = chart.find(".//c:ser", NS).findall("c:dLbls/c:dLbl", NS)
    got = []
    for lbl in labels:
        ref = lbl.find("c:tx/c:strRef/c:f", NS)
        got.append(("ref", ref.text) if ref is not None else ("text", "".join(t.text for t in lbl.iter(f"{A}t"))))
    table_names = [row[0].value for row in sheet.table.rows]
    assert sorted(table_names) == sorted(NAMES)
    for (kind, value), name, r in zip(got, table_names, range(sheet.table.first_data_row, 10**6), strict=False):
        if name.startswith("+cmd"):
            # XlsxWriter would read this text as a reference: the label is a reference to its own cell instead
            assert kind == "ref" and value == f"'Funnel plot'!$A${r + 1}"
        else:
            assert (kind, value) == ("text", name)
    for f in chart.iter(f"{{{NS['c']}}}f"):
        assert re.fullmatch(r"'[^']+'!\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?", f.text), f.text
