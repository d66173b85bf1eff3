"""`xlplugin report -o OUT.ods` as a whole process, against the least our ODS writer costs.

1. The Met example report as .ods against a process that saves an empty one-sheet ODS with the
   same library (stdlib zipfile writing ODF XML text, as `xlplugin.report.ods` does): what a user
   waits for beyond the floor (interpreter start, zip). Aim <= 2x.
2. The same report as .ods against it as .xlsx (whole processes): what choosing ODS costs.
3. In process: rendering the 500-programme layout against the 50-programme one (3 stages each):
   linear cost means about 10x.
4. Context for 1: the floor plus the standard library the command cannot do without (argparse for
   its options, tomllib for the spec, csv for its data, json for the ownership record, fractions
   for exact claim checks, fcntl for the lock, gettext's catalogue as argparse looks it up), and
   nothing of xlplugin: the part of row 1's ratio that no change to xlplugin's own code can save.

Runs alternate (ours, baseline, ...) so drift hits both; each ratio is a median of pair ratios.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from inputs import MET, ROOT, programmes_csv, report_cmd
from timing import alternate, main, row, run_process, runs

RUNS = runs(7)

# The floor: the same library (stdlib zipfile writing ODF XML text) saving a one-sheet ODS, without
# importing xlplugin (whose report package would pull in the whole layout).
EMPTY_ODS = """import sys, zipfile
NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"')
content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content ' + NS + ' office:version="1.3">'
           '<office:body><office:spreadsheet><table:table table:name="Sheet1"><table:table-row>'
           '<table:table-cell/></table:table-row></table:table></office:spreadsheet></office:body>'
           '</office:document-content>')
manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype", (1980, 1, 1, 0, 0, 0)), "application/vnd.oasis.opendocument.spreadsheet")
    z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
"""


# The floor above, after importing what `report` needs from the standard library (see 4).
NEEDED_STDLIB = (
    "import argparse, csv, fcntl, fractions, gettext, json, tomllib\n"
    "gettext.translation(gettext.textdomain(), gettext.bindtextdomain(gettext.textdomain()), fallback=True)\n"
)


def run() -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from xlplugin.report.build import load_report_layout
    from xlplugin.report.ods import render

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours = report_cmd(MET, folder / "met.ods")
        floor = [sys.executable, "-c", EMPTY_ODS, str(folder / "empty.ods")]
        report = alternate(lambda: run_process(ours, cwd=ROOT), lambda: run_process(floor, cwd=ROOT), RUNS)
        needed = [sys.executable, "-c", NEEDED_STDLIB + EMPTY_ODS, str(folder / "needed.ods")]
        stdlib = alternate(lambda: run_process(needed, cwd=ROOT), lambda: run_process(floor, cwd=ROOT), RUNS)
        xlsx = report_cmd(MET, folder / "met.xlsx")
        against_xlsx = alternate(lambda: run_process(ours, cwd=ROOT), lambda: run_process(xlsx, cwd=ROOT), RUNS)
        small = load_report_layout(programmes_csv(folder / "p50.csv", 50), timestamp="2021-06-17")
        large = load_report_layout(programmes_csv(folder / "p500.csv", 500), timestamp="2021-06-17")
        growth = alternate(lambda: render(large), lambda: render(small), 5)
    return [
        row(
            "report -o .ods: Met example (whole process)",
            "python saving an empty one-sheet ODS with zipfile (the same library)",
            report,
            "<= 2x",
        ),
        row(
            "the same floor after the standard modules report needs",
            "python saving an empty one-sheet ODS with zipfile (the same library)",
            stdlib,
            "- (context: the share of row 1 outside xlplugin's code)",
        ),
        row(
            "report -o .ods: Met example (whole process)",
            "report -o .xlsx: the same (whole process)",
            against_xlsx,
            "<= 1x (no dearer than the xlsx)",
        ),
        row(
            "ODS render: 500-programme layout (in process)",
            "ODS render: 50-programme layout",
            growth,
            "<= 10x (10x the data; linear growth)",
        ),
    ]


if __name__ == "__main__":
    main(run)
