"""LibreOffice recalculates the changes and prints every chart whole on one page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import lo_harness as lo
import pytest

from xlplugin.report import build_report

pytestmark = pytest.mark.libreoffice

DATA = Path(__file__).parent / "data"
WYP = DATA / "comparison" / "west-yorkshire-clares-law.csv"
AREAS = DATA / "comparison" / "areas-43.csv"
MET = DATA / "examples" / "met-2020-visits.toml"
PREVENT = DATA / "examples" / "prevent-channel.csv"
STAMP = "2026-01-01T00:00:00Z"

sm_proportion = pytest.importorskip("statsmodels.stats.proportion")


@pytest.mark.parametrize("recalc", [True, False], ids=["recalculated", "cached"])
def test_libreoffice_shows_the_west_yorkshire_change(tmp_path, recalc):
    lo.require_soffice()
    path = tmp_path / "wyp.xlsx"
    build_report(WYP, path, timestamp=STAMP)
    sheets = lo.export_sheets_csv(path, recalc=recalc)
    rows = sheets["Changes"]
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Stage")
    names, values = rows[header], rows[header + 1]
    got = {n: lo.parse_cell(v) for n, v in zip(names, values, strict=False) if n}
    lo_, hi_ = sm_proportion.confint_proportions_2indep(46, 101, 21, 68, method="newcomb", compare="diff")
    assert got["Change (points)"] == pytest.approx(100 * (46 / 101 - 21 / 68), abs=1e-9)
    assert got["95% CI lower (points)"] == pytest.approx(100 * lo_, abs=1e-9)
    assert got["95% CI upper (points)"] == pytest.approx(100 * hi_, abs=1e-9)
    assert got["Verdict"] == "no clear change"
    assert (round(got["Change (points)"], 1), round(got["95% CI lower (points)"], 1)) == (14.7, -0.4)
    assert round(got["95% CI upper (points)"], 1) == 28.4


def _pages(pdf: Path) -> list[str]:
    count = int(
        next(
            line.split()[-1]
            for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True
        ).stdout
        for i in range(1, count + 1)
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_every_chart_prints_whole_on_one_page(tmp_path, fmt):
    """Each chart's title and its axis titles are on one page, and the sheet's next page (if any) is
    another sheet's: a chart split across pages would leave its axis or legend on a page of its own.
    The ODS takes the xlsx's print plan (`xlplugin.report.pages`): its own page layouts and breaks."""
    lo.require_soffice()
    lo.require_pdftoppm()
    from xlplugin.report import load_report_layout

    for source in (MET, PREVENT, WYP, AREAS):
        path = tmp_path / f"{source.stem}.{fmt}"
        build_report(source, path, timestamp=STAMP)
        layout = load_report_layout(source, timestamp=STAMP)
        pdf = lo.convert(path, "pdf", tmp_path)
        pages = _pages(pdf)
        titles = [s.title for s in layout.sheets]
        owner = []  # the sheet each page belongs to: a page without a sheet's title continues the previous one
        for text in pages:
            first = next((line.strip() for line in text.splitlines() if line.strip()), "")
            owner.append(next((t for t in titles if first.startswith(t[:40])), owner[-1] if owner else None))
        for sheet in layout.sheets:
            if sheet.chart is None:
                continue
            own = [i for i, o in enumerate(owner) if o == sheet.title]
            with_title = [i for i in own if sheet.chart.title[:40] in " ".join(pages[i].split())]
            assert len(with_title) == 1, (source.name, sheet.name, own)
            page = " ".join(pages[with_title[0]].split())
            assert sheet.chart.x_axis.title[:30] in page, (source.name, sheet.name)
            assert sheet.chart.y_axis.title[:12] in page, (source.name, sheet.name)
            # nothing of the chart runs on: the chart's page is its sheet's last
            assert with_title[0] == own[-1], (source.name, sheet.name, own)
            if fmt == "xlsx" and sheet.key == "funnel_plot" and source == AREAS:
                # the 43 points' labels are drawn by LibreOffice (rich text, not Excel's labels from cells):
                # the chart has a page of its own (no table text on it), and its names are there
                assert "Exact binomial p-value" not in page
                names = [row[0].value for row in sheet.table.rows]
                assert sum(name in page for name in names) >= len(names) - 3, page
