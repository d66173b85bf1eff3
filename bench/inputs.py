"""Inputs more than one benchmark builds: the Met example's report command, CSV files, many small programmes."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MET = ROOT / "workbooks" / "examples" / "met-2020-visits.toml"


def report_cmd(source: Path, out: Path) -> list[str]:
    """`xlplugin report SOURCE -o OUT` as a process, with a fixed timestamp."""
    return [
        sys.executable, "-m", "xlplugin.cli", "report", str(source), "-o", str(out),
        "--force", "--timestamp", "2021-06-17T00:00:00Z",
    ]  # fmt: skip


def write_lines(path: Path, lines: list[str]) -> Path:
    """A CSV (or any text file) of `lines`, UTF-8 with LF line ends."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def programmes_csv(path: Path, programmes: int) -> Path:
    """`programmes` funnels of three stages each (Referred, Discussed, Adopted) in one CSV."""
    lines = ["programme,stage,count,base"]
    for i in range(programmes):
        referred = 2000 + (i * 7919) % 5000
        discussed = referred // 4 + (i * 31) % 100
        adopted = discussed // 2 + (i * 17) % 50
        name = f"Area {i:04d}"
        lines += [
            f"{name},Referred,{referred},",
            f"{name},Discussed,{discussed},Referred",
            f"{name},Adopted,{adopted},Discussed",
        ]
    return write_lines(path, lines)
