"""Hostile workbooks and CSVs for `refresh` and `report`, and a timing run of each refusal.

Why a module: tests/test_hostile_bombs.py builds these to check each is refused (exit 2, nothing
written) under a 2.5 GB address-space limit; `python fuzz/bombs.py` builds them again and prints
each refusal's wall time and peak memory (for the README and the issue note), which tests must
not assert.

Every builder takes a clean base workbook and a target path and writes small files: the zip bombs
are made by streaming zeros through zipfile, so an 800 MB-uncompressed part costs under 1 MB of
disk and never sits in memory.
"""

from __future__ import annotations

import io
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDRESS_SPACE_LIMIT = 2_500_000_000
MB = 1 << 20


def rezip(
    base: Path,
    target: Path,
    replace: dict[str, bytes] | None = None,
    extra: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> Path:
    """Copy `base` with some parts replaced, some dropped and some added."""
    replace = dict(replace or {})
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            zout.writestr(info.filename, replace.pop(info.filename, None) or zin.read(info))
        for name, data in {**replace, **(extra or {})}.items():
            zout.writestr(name, data)
    return target


def _laughs(root: bytes) -> bytes:
    """The billion-laughs document: 10^9 'lol's from a 1 KB part, around a root element."""
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    )
    name, rest = root.split(b" ", 1) if b" " in root else (root, b">")
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE '
        + name
        + b" ["
        + entities
        + b"]>"
        + b"<"
        + name
        + b" "
        + rest.rstrip(b">")
        + b">&lol9;</"
        + name
        + b">"
    )


_ROOTS = {
    "[Content_Types].xml": b'Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
    "_rels/.rels": b'Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">',
    "xl/_rels/workbook.xml.rels": b'Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">',
    "xl/workbook.xml": b'workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
    "xl/styles.xml": b'styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
    "docProps/app.xml": b'Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">',
    "docProps/core.xml": b'cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">',
}


def first_sheet(base: Path) -> str:
    with zipfile.ZipFile(base) as zf:
        return sorted(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))[0]


def billion_laughs(base: Path, target: Path, part: str) -> Path:
    root = _ROOTS.get(part, b'worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    return rezip(base, target, replace={part: _laughs(root)})


def external_entity(base: Path, target: Path) -> Path:
    """XXE: an entity that would read a local file into the workbook's sheet names."""
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>'
        b'<sheet name="&xxe;" sheetId="1" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships"/></sheets></workbook>'
    )
    return rezip(base, target, replace={"xl/workbook.xml": doc})


def parameter_entity(base: Path, target: Path) -> Path:
    """An external parameter entity (the DTD fetches a URL when it is parsed)."""
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY % remote SYSTEM "http://example.invalid/x.dtd">'
        b'%remote;]><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    return rezip(base, target, replace={"xl/workbook.xml": doc})


def quadratic_blowup(base: Path, target: Path) -> Path:
    """One 50 KB entity referenced 40,000 times: 2 GB from a 200 KB part, no nesting needed."""
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "' + b"A" * 50_000 + b'">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"&a;" * 40_000 + b"</t></is></c></row>"
        b"</sheetData></worksheet>"
    )
    return rezip(base, target, replace={first_sheet(base): doc})


def deep_nesting(base: Path, target: Path, depth: int = 100_000) -> Path:
    """A workbook part nested 100,000 elements deep (recursive code would overflow)."""
    inner = b"<x>" * depth + b"</x>" * depth
    doc = (
        b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + inner
        + b"</workbook>"
    )
    return rezip(base, target, replace={"xl/workbook.xml": doc})


def many_entries(base: Path, target: Path, count: int = 10_001) -> Path:
    return rezip(base, target, extra={f"xl/media/e{i}.bin": b"" for i in range(count)})


def zip_bomb(
    base: Path, target: Path, uncompressed: int = 800 * MB, part: str = "xl/media/bomb.bin", declare: int | None = None
) -> Path:
    """`base` plus one part of `uncompressed` zero bytes (about 1000:1), streamed, never in memory.

    With `declare`, the part's local header and central directory claim that many bytes instead
    (a bomb that lies about its size, so only an inflating reader with a cap catches it).
    """
    rezip(base, target, drop=(part,))
    # < 2 GB: plain 32-bit sizes, so they can be patched
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as zf, zf.open(part, "w") as handle:
        chunk = b"\0" * (8 * MB)
        for _ in range(uncompressed // len(chunk)):
            handle.write(chunk)
    if declare is not None:
        data = bytearray(target.read_bytes())
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
            info = zf.getinfo(part)
        struct.pack_into("<I", data, info.header_offset + 22, declare)
        index = data.find(b"PK\x01\x02")
        while index >= 0:
            name_len = struct.unpack_from("<H", data, index + 28)[0]
            if bytes(data[index + 46 : index + 46 + name_len]) == part.encode():
                struct.pack_into("<I", data, index + 24, declare)
            index = data.find(b"PK\x01\x02", index + 4)
        target.write_bytes(bytes(data))
    return target


# the parts a billion laughs is put into, one workbook each (and into the first sheet's part)
LAUGHS_IN = (
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/_rels/workbook.xml.rels",
    "xl/workbook.xml",
    "xl/styles.xml",
    "docProps/app.xml",
)


def workbook_cases(base: Path, folder: Path) -> dict[str, Path]:
    """Every hostile workbook, built from `base` into `folder`, by name."""
    sheet = first_sheet(base)
    cases = {}
    for part in [*LAUGHS_IN, sheet]:
        slug = part.replace("/", "_").replace("[", "").replace("]", "")
        cases[f"billion laughs in {part}"] = billion_laughs(base, folder / f"laughs-{slug}.xlsx", part)
    cases["external entity (XXE)"] = external_entity(base, folder / "xxe.xlsx")
    cases["external parameter entity"] = parameter_entity(base, folder / "param.xlsx")
    cases["quadratic blowup"] = quadratic_blowup(base, folder / "quadratic.xlsx")
    cases["100,000-deep nesting"] = deep_nesting(base, folder / "deep.xlsx")
    cases["10,001 entries"] = many_entries(base, folder / "entries.xlsx")
    cases["800 MB zip bomb (honest sizes)"] = zip_bomb(base, folder / "bomb.xlsx")
    cases["800 MB zip bomb declaring 1,000 bytes"] = zip_bomb(base, folder / "liar.xlsx", declare=1000)
    cases["800 MB zip bomb as a sheet part"] = zip_bomb(base, folder / "sheetbomb.xlsx", part=sheet, declare=4000)
    return cases


def csv_cases(folder: Path) -> dict[str, Path]:
    """CSVs over each of csvinput's limits (size, lines, rows, columns, field length)."""
    cases = {}
    big = folder / "big.csv"
    with open(big, "wb") as handle:  # sparse: 51 MB on paper, nothing on disk
        handle.write(b"stage,count\n")
        handle.truncate(51 * MB)
    cases["51 MB file"] = big
    lines = folder / "lines.csv"
    lines.write_bytes(b"stage,count\n" + b"\n" * 2_000_001)
    cases["2,000,001 lines"] = lines
    rows = folder / "rows.csv"
    rows.write_bytes(b"stage,count\n" + b"a,1\n" * 1_000_001)
    cases["1,000,001 rows"] = rows
    columns = folder / "columns.csv"
    columns.write_bytes(b",".join(b"c%d" % i for i in range(16_385)) + b"\n" + b"1\n")
    cases["16,385 columns"] = columns
    field = folder / "field.csv"
    field.write_bytes(b"stage,count\n" + b"a" * 40_000 + b",1\n")
    cases["40,000-character field"] = field
    huge_field = folder / "hugefield.csv"
    huge_field.write_bytes(b'stage,count\n"' + b"a" * 200_000 + b'",1\n')
    cases["200,000-character quoted field"] = huge_field
    cases["/dev/zero"] = Path("/dev/zero")
    return cases


def limit_memory() -> None:
    """preexec_fn: the child may not map more than 2.5 GB."""
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def run_cli(*args, cwd: Path | None = None, timeout: float = 120) -> tuple[int, str, float, int]:
    """The CLI in a child limited to 2.5 GB: (exit status, stderr, wall seconds, peak RSS in KB)."""
    import threading

    with tempfile.TemporaryFile() as err_file:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "xlplugin.cli", *map(str, args)],
            stdout=subprocess.DEVNULL,
            stderr=err_file,
            preexec_fn=limit_memory,
            cwd=cwd,
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        err_file.seek(0)
        err = err_file.read().decode("utf-8", "replace")
    return process.returncode, err, seconds, usage.ru_maxrss


def main() -> int:
    """Build every case and print how each command refuses it: exit, seconds, peak memory, message."""
    with tempfile.TemporaryDirectory(prefix="xlplugin-bombs-") as tmp:
        folder = Path(tmp)
        example = ROOT / "tests" / "data" / "examples" / "met-2020-visits.csv"
        base = folder / "report.xlsx"
        code, err, _s, _m = run_cli("report", example, "-o", base)
        assert code == 0, err
        csv = folder / "new.csv"
        csv.write_bytes(example.read_bytes().replace(b"669", b"700"))
        print(f"{'case':45} {'command':16} exit  seconds  peak MB*  message")
        for name, path in workbook_cases(base, folder).items():
            for command in (["--table", "Incoming"], []):
                before = path.read_bytes()
                code, err, seconds, peak = run_cli("refresh", path, csv, *command)
                changed = " CHANGED!" if path.read_bytes() != before else ""
                label = "refresh --table" if command else "refresh (report)"
                print(
                    f"{name:45} {label:16} {code:>4} {seconds:8.2f} {peak / 1024:8.0f}  "
                    f"{err.strip().splitlines()[-1][:110] if err.strip() else ''}{changed}"
                )
        for name, path in csv_cases(folder).items():
            for command in (
                ["report", path, "-o", folder / "out.xlsx"],
                ["refresh", base, path, "--table", "Incoming"],
                ["rates", path],
            ):
                code, err, seconds, peak = run_cli(*command)
                print(
                    f"{name:45} {command[0]:16} {code:>4} {seconds:8.2f} {peak / 1024:8.0f}  "
                    f"{err.strip().splitlines()[-1][:110] if err.strip() else ''}"
                )
        print("* peak resident memory of the child (wait4 rusage ru_maxrss)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
