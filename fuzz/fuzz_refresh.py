"""Fuzz target: `refresh` on mutated workbooks must write a workbook or refuse cleanly.

Why: `refresh` edits other people's packages at the byte level, so a damaged, hand-made or
hostile workbook must never produce a traceback (exit 1) or a torn file. Each execution takes a
corpus workbook (`tests/data/xlsx/`, and the report examples in `workbooks/examples/` for the
report refresh), applies one to three mutations (flipped bytes, truncation, XML text edits, broken
relationships and content types, duplicated, dropped or renamed zip entries), and runs the refresh
in place. The outcome must be one of:

- refused: an InputError (the CLI's exit 2); the workbook is byte-identical and no temporary
  file is left beside it;
- written: the result reopens with `open_package` (every limit, every CRC) and, for a sample,
  LibreOffice converts it (when LibreOffice opened the mutated input; otherwise the sample is
  only counted).

Anything else (another exception, a timeout, a changed file after a refusal, a stray temporary
file, an output LibreOffice rejects) is a finding, saved to `--findings` with its traceback.

Long run:  python fuzz/fuzz_refresh.py --minutes 25 --lo-every 40 --findings fuzz/findings
CI (short): tests/test_fuzz_refresh.py calls :func:`run` with 200 executions.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "xlsx"
EXAMPLES = ROOT / "workbooks" / "examples"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from xlplugin.core.errors import InputError  # noqa: E402
from xlplugin.ooxml.package import open_package  # noqa: E402

TABLE_CSV = (
    "Region,Count,Note\n"
    'North,1200,"=HYPERLINK(""http://example.invalid"",""x"")"\n'
    "South,\"1,062\",+cmd|' /C calc'!A0\n"
    "East,-3.5,@SUM(1+1)\n"
    "West,#N/A,\uff1d1+1\n"
)
SHORT_CSV = "a,b\n1,2\n"

# XML fragments spliced into parts: markup that is malformed, hostile or merely unexpected.
FRAGMENTS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#xFFFE;",
    b"]]>",
    b"<![CDATA[x]]>",
    b'"',
    b"'",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b'<!ENTITY x SYSTEM "file:///etc/passwd">',
    b"&xxe;",
    b'<?xml version="1.0"?>',
    b'<c r="A1"><f>1+1</f></c>',
    b'<c r="XFD1048577"/>',
    b'<row r="0"/>',
    b'<row r="99999999"/>',
    b'<tableParts count="1"><tablePart r:id="rId999"/></tableParts>',
    b'<sheet name="x" sheetId="1" r:id="rId1"/>',
    b'<definedName name="_xlnm._FilterDatabase">Sheet1!$A$1:$B$2</definedName>',
    b"\xff\xfe",
    b"\x00",
    b"\xe2\x80\xae",
    b'<x:y xmlns:x="urn:x"/>',
    b' r="A1"',
    b' ref="A1:XFD1048576"',
]
REL_TARGETS = [
    "missing.xml",
    "/xl/missing.xml",
    "../../../../etc/passwd",
    "http://example.invalid/x.xml",
    "worksheets/../worksheets/sheet1.xml",
    "",
    "/",
    "xl/worksheets/sheet1.xml",
    "%2e%2e/x.xml",
    "worksheets\\sheet1.xml",
    "WORKSHEETS/SHEET1.XML",
]
CONTENT_TYPES = [
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "text/plain",
    "",
    "application/xml",
]


# ------------------------------------------------------------------------------------------
# mutations


def _entries(data: bytes) -> list[list]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [[info.filename, zf.read(info), info.compress_type] for info in zf.infolist()]


def _zip(entries: list[list]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are a mutation, not a mistake
        with zipfile.ZipFile(out, "w") as zf:
            for name, content, compress in entries:
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = compress
                zf.writestr(info, content)
    return out.getvalue()


def _xml_parts(entries, suffixes=(".xml", ".rels", ".vml")):
    return [e for e in entries if e[0].lower().endswith(suffixes)]


def flip_bytes(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    buf = bytearray(data)
    n = rng.choice([1, 1, 2, 4, 16])
    for _ in range(n):
        i = rng.randrange(len(buf))
        buf[i] ^= 1 << rng.randrange(8)
    return bytes(buf), f"flip {n} bits"


def truncate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    cut = rng.randrange(len(data))
    return data[:cut], f"truncate at {cut}"


def mutate_xml_text(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    entries = _entries(data)
    parts = _xml_parts(entries)
    entry = rng.choice(parts)
    text = entry[1]
    if not text:
        return data, "empty part"
    kind = rng.choice(["delete", "duplicate", "insert", "number", "attr", "truncate", "swap-tag"])
    i = rng.randrange(len(text))
    j = min(len(text), i + rng.choice([1, 3, 10, 50, 500]))
    if kind == "delete":
        text = text[:i] + text[j:]
    elif kind == "duplicate":
        text = text[:j] + text[i:j] + text[j:]
    elif kind == "insert":
        text = text[:i] + rng.choice(FRAGMENTS) + text[i:]
    elif kind == "number":
        numbers = list(re.finditer(rb"\d+", text))
        if numbers:
            m = rng.choice(numbers)
            new = rng.choice([b"0", b"-1", b"1048577", b"16385", b"99999999999999999999", b"1e308", b"", b"x"])
            text = text[: m.start()] + new + text[m.end() :]
    elif kind == "attr":
        attrs = list(re.finditer(rb'(\w+(?::\w+)?)="([^"]*)"', text))
        if attrs:
            m = rng.choice(attrs)
            new = rng.choice(
                [
                    b"",
                    b"A1",
                    b"A0",
                    b"ZZZZ9",
                    b"Sheet1!$A$1:$B$2",
                    b"rId1",
                    b"&lt;",
                    b"x" * 300,
                    b"-5",
                    b"1:1048576",
                    b"\xc3\xa9",
                    b"'quoted'!A1",
                ]
            )
            text = text[: m.start(2)] + new + text[m.end(2) :]
    elif kind == "truncate":
        text = text[:i]
    elif kind == "swap-tag":
        tags = list(re.finditer(rb"<(/?)([\w:]+)", text))
        if tags:
            m = rng.choice(tags)
            new = rng.choice([b"row", b"c", b"sheetData", b"x:foo", b"table", b"tableColumn", b"v", b"f"])
            text = text[: m.start(2)] + new + text[m.end(2) :]
    entry[1] = text
    return _zip(entries), f"xml {kind} in {entry[0]} at {i}"


def break_relationships(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    entries = _entries(data)
    rels = [e for e in entries if e[0].lower().endswith(".rels")]
    if not rels:
        return data, "no rels"
    entry = rng.choice(rels)
    text = entry[1].decode("utf-8", "replace")
    items = list(re.finditer(r"<Relationship\b[^>]*/>", text))
    if not items:
        return data, "no relationship"
    m = rng.choice(items)
    rel = m.group()
    kind = rng.choice(["drop", "target", "external", "dup-id", "type", "duplicate"])
    if kind == "drop":
        new = ""
    elif kind == "target":
        new = re.sub(r'Target="[^"]*"', f'Target="{rng.choice(REL_TARGETS)}"', rel)
    elif kind == "external":
        new = rel.replace("/>", ' TargetMode="External"/>')
    elif kind == "dup-id":
        ids = re.findall(r'Id="([^"]*)"', text)
        new = re.sub(r'Id="[^"]*"', f'Id="{rng.choice(ids)}"', rel) if ids else rel
    elif kind == "type":
        new = re.sub(
            r'Type="[^"]*"',
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/{rng.choice(["worksheet", "table", "chart", "drawing", "x"])}"',
            rel,
        )
    else:
        new = rel + rel
    entry[1] = (text[: m.start()] + new + text[m.end() :]).encode("utf-8")
    return _zip(entries), f"rels {kind} in {entry[0]}"


def break_content_types(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    entries = _entries(data)
    found = [e for e in entries if e[0] == "[Content_Types].xml"]
    if not found:
        return data, "no content types"
    entry = found[0]
    text = entry[1].decode("utf-8", "replace")
    items = list(re.finditer(r"<(Override|Default)\b[^>]*/>", text))
    if not items:
        return data, "no items"
    m = rng.choice(items)
    kind = rng.choice(["drop", "type", "partname"])
    if kind == "drop":
        new = ""
    elif kind == "type":
        new = re.sub(r'ContentType="[^"]*"', f'ContentType="{rng.choice(CONTENT_TYPES)}"', m.group())
    else:
        new = re.sub(r'PartName="[^"]*"', f'PartName="/{rng.choice(REL_TARGETS)}"', m.group())
    entry[1] = (text[: m.start()] + new + text[m.end() :]).encode("utf-8")
    return _zip(entries), f"content types {kind}"


def mangle_entries(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    entries = _entries(data)
    kind = rng.choice(["duplicate", "duplicate-case", "drop", "rename-case", "stored", "empty", "reorder"])
    i = rng.randrange(len(entries))
    name = entries[i][0]
    if kind == "duplicate":
        entries.append(list(entries[i]))
    elif kind == "duplicate-case":
        entries.append([name.upper(), entries[i][1], entries[i][2]])
    elif kind == "drop":
        del entries[i]
    elif kind == "rename-case":
        entries[i][0] = name.swapcase()
    elif kind == "stored":
        for entry in entries:
            entry[2] = zipfile.ZIP_STORED
    elif kind == "empty":
        entries[i][1] = b""
    else:
        rng.shuffle(entries)
    return _zip(entries), f"entries {kind} {name}"


MUTATORS = [
    flip_bytes,
    truncate,
    mutate_xml_text,
    mutate_xml_text,
    mutate_xml_text,
    break_relationships,
    break_relationships,
    break_content_types,
    mangle_entries,
    mangle_entries,
]


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """One to three mutations; zip-level ones need a readable zip, so they stop after a byte-level one."""
    notes = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        mutator = rng.choice(MUTATORS)
        try:
            data, note = mutator(data, rng)
        except Exception:  # noqa: BLE001 - the mutator's own zip reading failed
            continue  # a zip-level mutation on an already broken zip: skip it
        notes.append(note)
    return data, notes


# ------------------------------------------------------------------------------------------
# one execution


@dataclass
class Outcome:
    kind: str
    """refused | written | finding"""
    detail: str = ""
    output: Path | None = None


@dataclass
class Stats:
    executions: int = 0
    refused: int = 0
    written: int = 0
    findings: list[dict] = field(default_factory=list)
    lo_checked: int = 0
    lo_input_unopenable: int = 0
    refusal_messages: dict[str, int] = field(default_factory=dict)


class _Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Timeout()


def table_names(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return [
                m.decode("utf-8", "replace")
                for info in zf.infolist()
                if info.filename.lower().startswith("xl/tables/") and info.file_size < 2**20
                for m in re.findall(rb'<table\b[^>]*?\sname="([^"]+)"', zf.read(info))
            ]
    except Exception:
        return []


def execute(source: Path, data: bytes, rng: random.Random, workdir: Path, timeout: int = 30) -> Outcome:
    """Run one refresh on `data` (a mutated copy of `source`) in place inside `workdir`."""
    from xlplugin import refresh

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    book = workdir / ("book" + source.suffix)
    book.write_bytes(data)
    report_mode = source.parent == EXAMPLES
    if report_mode:
        csv = workdir / "new.csv"
        shutil.copy(source.with_suffix(".csv"), csv)
    else:
        csv = workdir / "table.csv"
        csv.write_text(rng.choice([TABLE_CSV, SHORT_CSV]), encoding="utf-8")
    before = set(os.listdir(workdir))
    names = table_names(data)
    previous = signal.signal(signal.SIGALRM, _alarm) if hasattr(signal, "SIGALRM") else None
    if previous is not None:
        signal.alarm(timeout)
    try:
        if report_mode:
            refresh.refresh_workbook(book, csv, force=rng.random() < 0.5)
        else:
            name = rng.choice(names) if names and rng.random() < 0.5 else "FuzzTable"
            refresh.refresh_table(book, csv, name, force=rng.random() < 0.5)
    except InputError as exc:
        message = str(exc)
        if book.read_bytes() != data:
            return Outcome("finding", f"refused but the workbook changed: {message}")
        stray = set(os.listdir(workdir)) - before
        if stray:
            return Outcome("finding", f"refused but left files {sorted(stray)}: {message}")
        if not message.strip():
            return Outcome("finding", "refused without a message")
        return Outcome("refused", message)
    except _Timeout:
        return Outcome("finding", f"no outcome within {timeout}s")
    except BaseException as exc:  # noqa: BLE001 - every other exception is what we hunt
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Outcome("finding", "".join(traceback.format_exception(exc)))
    finally:
        if previous is not None:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    stray = set(os.listdir(workdir)) - before
    if stray:
        return Outcome("finding", f"written but left files {sorted(stray)}")
    try:
        with open_package(book) as package:
            package.main_part()
    except InputError as exc:
        return Outcome("finding", f"wrote a workbook our own reader refuses: {exc}")
    except Exception as exc:  # noqa: BLE001
        return Outcome("finding", "reopening the output: " + "".join(traceback.format_exception(exc)))
    return Outcome("written", output=book)


def lo_opens(path: Path, outdir: Path) -> bool:
    """LibreOffice converts `path` to CSV (it opened the workbook)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import lo_harness

    try:
        lo_harness.convert(path, "csv", outdir, recalc=False, timeout=120)
        return True
    except lo_harness.LibreOfficeError:
        return False


def sources() -> list[Path]:
    found = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))
    found += sorted(p for p in EXAMPLES.glob("*.xlsx") if p.with_suffix(".csv").exists())
    return found


def _refusal_key(message: str) -> str:
    """A refusal message without its file names and numbers, to count kinds of refusal."""
    first = message.splitlines()[0] if message else ""
    first = re.sub(r"^[^:]*\.xls[xm][^:]*: ", "", first)
    return re.sub(r"\d[\d,.]*", "N", first)[:100]


def run(
    executions: int | None = None,
    *,
    minutes: float | None = None,
    seed: int = 0,
    lo_every: int = 0,
    findings_dir: Path | None = None,
    log=None,
    workdir: Path | None = None,
) -> Stats:
    """Fuzz for `executions` runs or `minutes`; LibreOffice checks every `lo_every`-th written output."""
    files = sources()
    originals = {path: path.read_bytes() for path in files}
    stats = Stats()
    own_workdir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="xlplugin-fuzz-")) if own_workdir else workdir
    deadline = time.monotonic() + minutes * 60 if minutes else None
    i = 0
    try:
        while True:
            if executions is not None and i >= executions:
                break
            if deadline is not None and time.monotonic() > deadline:
                break
            rng = random.Random(seed * 1_000_003 + i)
            source = rng.choice(files)
            data, notes = mutate(originals[source], rng)
            outcome = execute(source, data, rng, workdir / "run")
            stats.executions += 1
            if outcome.kind == "refused":
                stats.refused += 1
                key = _refusal_key(outcome.detail)
                stats.refusal_messages[key] = stats.refusal_messages.get(key, 0) + 1
            elif outcome.kind == "written":
                stats.written += 1
                if lo_every and stats.written % lo_every == 0:
                    _lo_check(source, data, outcome.output, workdir, stats, findings_dir, i, notes)
            else:
                _record(stats, findings_dir, source, data, notes, outcome.detail, i, seed)
            if log and i % 100 == 0:
                log(
                    f"{i} executions: {stats.refused} refused, {stats.written} written, "
                    f"{len(stats.findings)} findings, {stats.lo_checked} LibreOffice checks"
                )
            i += 1
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return stats


def _lo_check(source, data, output, workdir, stats, findings_dir, i, notes):
    lo_dir = workdir / "lo"
    shutil.rmtree(lo_dir, ignore_errors=True)
    (lo_dir / "in").mkdir(parents=True)
    mutated = lo_dir / "in" / ("mutated" + source.suffix)
    mutated.write_bytes(data)
    if not lo_opens(mutated, lo_dir / "a"):
        stats.lo_input_unopenable += 1
        return
    stats.lo_checked += 1
    if not lo_opens(output, lo_dir / "b"):
        _record(
            stats,
            findings_dir,
            source,
            data,
            notes,
            "LibreOffice opens the mutated input but not refresh's output",
            i,
            None,
        )


def _record(stats, findings_dir, source, data, notes, detail, i, seed):
    digest = hashlib.sha256(data).hexdigest()[:16]
    finding = {"execution": i, "seed": seed, "source": source.name, "mutations": notes, "detail": detail, "sha": digest}
    stats.findings.append(finding)
    if findings_dir is not None:
        findings_dir.mkdir(parents=True, exist_ok=True)
        (findings_dir / f"{digest}{source.suffix}").write_bytes(data)
        (findings_dir / f"{digest}.json").write_text(json.dumps(finding, indent=2), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--executions", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lo-every", type=int, default=50, help="LibreOffice-check every Nth written output")
    parser.add_argument("--findings", type=Path, default=ROOT / "fuzz" / "findings")
    parser.add_argument("--memory-gb", type=float, default=2.5, help="address-space limit (0: none)")
    args = parser.parse_args(argv)
    if args.minutes is None and args.executions is None:
        args.minutes = 1
    if args.memory_gb:
        import resource

        limit = int(args.memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    start = time.monotonic()
    stats = run(
        args.executions,
        minutes=args.minutes,
        seed=args.seed,
        lo_every=args.lo_every,
        findings_dir=args.findings,
        log=lambda text: print(text, flush=True),
    )
    elapsed = time.monotonic() - start
    summary = {
        "seconds": round(elapsed, 1),
        "executions": stats.executions,
        "refused": stats.refused,
        "written": stats.written,
        "findings": len(stats.findings),
        "libreoffice_checked": stats.lo_checked,
        "libreoffice_input_unopenable": stats.lo_input_unopenable,
        "refusal_kinds": dict(sorted(stats.refusal_messages.items(), key=lambda kv: -kv[1])),
    }
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    for finding in stats.findings[:20]:
        print(json.dumps(finding, indent=2)[:3000])
    return 1 if stats.findings else 0


if __name__ == "__main__":
    sys.exit(main())
