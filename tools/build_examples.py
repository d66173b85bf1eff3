"""Rebuild the example workbooks in workbooks/examples/ (`make report`), byte for byte.

    python tools/build_examples.py [--preview] [--root DIR]

Builds `met-2020-visits.xlsx` from the Met report spec and `prevent-channel.xlsx` from the
Prevent CSV (and the same two as native `.ods`) with a fixed generated time, so a rebuild from
unchanged inputs gives identical bytes. `--preview` also renders every sheet to PNG with
LibreOffice (needs `soffice` and `pdftoppm`) into workbooks/examples/preview/ (the .ods pages
as `<stem>-ods-NN-<sheet>.png`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from xlplugin.report.build import build_report

#: The generated time recorded in the committed examples (the Met figures' publication day).
TIMESTAMP = "2021-06-17T00:00:00Z"
EXAMPLES = (
    ("met-2020-visits.toml", "met-2020-visits.xlsx"),
    ("prevent-channel.csv", "prevent-channel.xlsx"),
    ("met-2020-visits.toml", "met-2020-visits.ods"),
    ("prevent-channel.csv", "prevent-channel.ods"),
)


def default_root() -> Path:
    return Path(__file__).resolve().parents[1] / "workbooks" / "examples"


def build_examples(root: Path) -> list[Path]:
    built = []
    for source, target in EXAMPLES:
        built.append(build_report(root / source, root / target, force=True, timestamp=TIMESTAMP))
    return built


def sheet_titles(workbook: Path) -> list[tuple[str, str]]:
    """(tab name, A1 title) of each sheet, read back from the package we wrote."""
    import re
    import zipfile
    from html import unescape

    if workbook.suffix == ".ods":
        with zipfile.ZipFile(workbook) as z:
            content = z.read("content.xml").decode()
        tables = re.findall(r'<table:table table:name="([^"]*)"[^>]*>.*?<text:p>(.*?)</text:p>', content, re.S)
        return [(unescape(name), unescape(re.sub(r"<[^>]+>", "", title))) for name, title in tables]
    with zipfile.ZipFile(workbook) as z:
        names = [unescape(n) for n in re.findall(r'<sheet name="([^"]*)"', z.read("xl/workbook.xml").decode())]
        strings = [
            unescape(re.sub(r"<[^>]+>", "", si))
            for si in re.findall(r"<si>(.*?)</si>", z.read("xl/sharedStrings.xml").decode(), re.S)
        ]
        titles = []
        for i, name in enumerate(names, 1):
            sheet = z.read(f"xl/worksheets/sheet{i}.xml").decode()
            m = re.search(r'<c r="A1"[^>]*t="s"[^>]*><v>(\d+)</v>', sheet)
            titles.append((name, strings[int(m.group(1))] if m else ""))
    return titles


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def render_previews(workbook: Path, folder: Path, resolution: int = 60) -> list[Path]:
    """One PNG per printed page, named by sheet (`<stem>-<NN>-<sheet>[-page].png`).

    Each sheet is fitted to one page wide; a long sheet may run to more pages. LibreOffice
    prints the workbook to PDF, pdftoppm renders the pages, pdftotext tells which sheet a
    page belongs to (a page that starts with a sheet's A1 title starts that sheet).
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        raise SystemExit("--preview needs LibreOffice (soffice) and poppler's pdftoppm")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(workbook),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=180,
        )
        pdf = Path(tmp) / (workbook.stem + ".pdf")
        prefix = workbook.stem + ("-ods" if workbook.suffix == ".ods" else "")
        for old in folder.glob(f"{prefix}-[0-9][0-9]-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", str(resolution), str(pdf), str(Path(tmp) / "page")], check=True)
        pages = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        titles = sheet_titles(workbook)
        sheet_index, page_in_sheet = -1, 0
        out = []
        for number, page in enumerate(pages, 1):
            text = subprocess.run(
                ["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            first_line = text.splitlines()[0].strip() if text else ""
            starts = [i for i, (_, title) in enumerate(titles) if i > sheet_index and first_line.startswith(title)]
            if starts:
                sheet_index, page_in_sheet = starts[0], 1
            else:
                page_in_sheet += 1
            name = titles[sheet_index][0] if sheet_index >= 0 else "page"
            suffix = "" if page_in_sheet <= 1 else f"-{page_in_sheet}"
            target = folder / f"{prefix}-{sheet_index + 1:02d}-{_slug(name)}{suffix}.png"
            shutil.move(str(page), target)
            out.append(target)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/build_examples.py", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=None, help="the examples folder (default workbooks/examples)")
    parser.add_argument("--preview", action="store_true", help="also render PNG previews with LibreOffice")
    args = parser.parse_args(argv)
    root = args.root or default_root()
    for path in build_examples(root):
        print(f"wrote {os.path.relpath(path)}")
        if args.preview:
            for png in render_previews(path, root / "preview"):
                print(f"  preview {os.path.relpath(png)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
