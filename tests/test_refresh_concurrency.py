"""Two refreshes of one workbook at once, and another program saving over it during a refresh.

The promise: the workbook is always complete (zip clean, opens) and is one of the versions, or
a command refuses with exit status 2; never exit 0 with a torn file or a silently lost refresh.
Each trial forks real processes (the command line's `main`) started at random offsets within
the time one refresh takes, so the windows between reading, validating and renaming are hit.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import sys
import time
import zipfile
from pathlib import Path

import lo_harness
import pytest

from xlplugin.ooxml.book import open_book
from xlplugin.ooxml.cells import parse_range
from xlplugin.ooxml.package import open_package
from xlplugin.refresh import refresh_table
from xlplugin.report import build_report

OLD_CSV = """stage,count,base,unit
Identified for a visit,1000,,people
Visited,669,Identified for a visit,people
Interested in diversion,62,Visited,people
"""
NEW_CSV = """stage,count,base,unit
Identified for a visit,1234,,people
Visited,800,Identified for a visit,people
Interested in diversion,90,Visited,people
"""
MINE_CSV = "Region,Amount\nNorth,1\nSouth,2\n"
OTHER_CSV = "Team,Cases\nA,5\nB,7\n"

TWO_REFRESH_TRIALS = 50
REPLACE_TRIALS = 25

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("forks processes", allow_module_level=True)
FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> dict[str, Path]:
    """The original report, and a copy another program saved with a table of its own."""
    folder = tmp_path_factory.mktemp("versions")
    for name, text in (("old.csv", OLD_CSV), ("new.csv", NEW_CSV), ("mine.csv", MINE_CSV), ("other.csv", OTHER_CSV)):
        (folder / name).write_text(text, encoding="utf-8")
    original = folder / "original.xlsx"
    build_report(folder / "old.csv", original, timestamp="2024-01-01T00:00:00Z")
    other = folder / "other.xlsx"
    refresh_table(original, folder / "other.csv", "Other", output=other)
    return {"folder": folder, "original": original, "other": other}


def _run_cli(args: list[str], delay: float, log: Path) -> None:
    """In a forked child: wait, run the command line, exit with its status."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.dup2(fd, 1)
    # pytest's capture replaces sys.stdout/err with its own files: write to the log's descriptors
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the child exits through os._exit
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    time.sleep(delay)
    from xlplugin.cli import main

    code = 1
    try:
        code = main(args)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _replace_with(source: Path, target: Path, delay: float) -> None:
    """In a forked child: another program's save, a temporary file renamed over the workbook."""
    time.sleep(delay)
    temp = target.with_name(f".other-save-{os.getpid()}.tmp")
    shutil.copyfile(source, temp)
    os.replace(temp, target)
    os._exit(0)


def _start(target, *args) -> multiprocessing.process.BaseProcess:
    process = FORK.Process(target=target, args=args)
    process.start()
    return process


def _state(path: Path) -> dict[str, bool]:
    """Which changes the workbook holds; asserts it is complete first."""
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None, f"{path}: a torn zip entry"
    with open_package(path) as package:  # every entry inflated against its size and CRC
        book = open_book(package, path)
        funnel = book.table_named("xlp_funnel")
        r1, c1, _, _ = parse_range(funnel.ref)
        sheet = package.read(funnel.sheet.part).decode("utf-8")
        return {
            "new counts": "<v>1234</v>" in sheet,
            "mine": book.table_named("Mine") is not None,
            "other": book.table_named("Other") is not None,
        }


def _one_refresh_seconds(versions, tmp_path) -> float:
    book = tmp_path / "timing.xlsx"
    shutil.copyfile(versions["original"], book)
    start = time.perf_counter()
    process = _start(_run_cli, ["refresh", str(book), str(versions["folder"] / "new.csv")], 0.0, tmp_path / "t.log")
    process.join(60)
    assert process.exitcode == 0, (tmp_path / "t.log").read_text()
    return time.perf_counter() - start


@pytest.mark.slow  # tens of seconds: run by `make test`, not by `make check`
def test_two_refreshes_at_once_never_tear_or_lose_a_refresh(versions, tmp_path):
    rng = random.Random(10)
    window = _one_refresh_seconds(versions, tmp_path)
    outcomes: dict[tuple[int, int], int] = {}
    for trial in range(TWO_REFRESH_TRIALS):
        book = tmp_path / f"book{trial}.xlsx"
        shutil.copyfile(versions["original"], book)
        logs = [tmp_path / f"report{trial}.log", tmp_path / f"table{trial}.log"]
        report = _start(
            _run_cli, ["refresh", str(book), str(versions["folder"] / "new.csv")], rng.uniform(0, window), logs[0]
        )
        table = _start(
            _run_cli,
            ["refresh", str(book), str(versions["folder"] / "mine.csv"), "--table", "Mine"],
            rng.uniform(0, window),
            logs[1],
        )
        report.join(120)
        table.join(120)
        codes = (report.exitcode, table.exitcode)
        messages = " | ".join(log.read_text() for log in logs)
        assert set(codes) <= {0, 2}, messages
        state = _state(book)
        # a refresh that said "wrote" is in the file; one that refused left no trace
        assert state["new counts"] == (codes[0] == 0), (codes, messages)
        assert state["mine"] == (codes[1] == 0), (codes, messages)
        assert not state["other"]
        for code, log in zip(codes, logs, strict=True):
            if code == 2:
                assert "another xlplugin command is writing" in log.read_text() or "changed while" in log.read_text()
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
        assert leftovers == [], leftovers
        outcomes[codes] = outcomes.get(codes, 0) + 1
        book.unlink()
    print(f"two refreshes, {TWO_REFRESH_TRIALS} trials, exit codes (report, table): {outcomes}")
    assert sum(outcomes.values()) == TWO_REFRESH_TRIALS


@pytest.mark.slow  # tens of seconds: run by `make test`, not by `make check`
def test_a_save_by_another_program_during_a_refresh_is_never_undone(versions, tmp_path):
    rng = random.Random(11)
    window = _one_refresh_seconds(versions, tmp_path)
    outcomes: dict[str, int] = {}
    for trial in range(REPLACE_TRIALS):
        book = tmp_path / f"book{trial}.xlsx"
        shutil.copyfile(versions["original"], book)
        log = tmp_path / f"refresh{trial}.log"
        refresh = _start(_run_cli, ["refresh", str(book), str(versions["folder"] / "new.csv")], 0.0, log)
        other = _start(_replace_with, versions["other"], book, rng.uniform(0, window))
        refresh.join(120)
        other.join(120)
        assert refresh.exitcode in (0, 2), log.read_text()
        state = _state(book)
        # the other program's save always survives: either it came last, or refresh read it
        assert state["other"], (refresh.exitcode, log.read_text())
        if state["new counts"]:
            assert refresh.exitcode == 0
        if refresh.exitcode == 2:
            assert "changed while xlplugin was working" in log.read_text()
        key = f"exit {refresh.exitcode}, {'refreshed' if state['new counts'] else 'other save last'}"
        outcomes[key] = outcomes.get(key, 0) + 1
        book.unlink()
    print(f"refresh against another program's save, {REPLACE_TRIALS} trials: {outcomes}")


@pytest.mark.libreoffice
def test_libreoffice_opens_every_outcome(versions, tmp_path):
    """Each kind of result (one, the other or both refreshes) opens in LibreOffice with its figures."""
    lo_harness.require_soffice()
    kinds = {}
    for name, args in (
        ("report", [["refresh", "{book}", str(versions["folder"] / "new.csv")]]),
        ("table", [["refresh", "{book}", str(versions["folder"] / "mine.csv"), "--table", "Mine"]]),
        (
            "both",
            [
                ["refresh", "{book}", str(versions["folder"] / "new.csv")],
                ["refresh", "{book}", str(versions["folder"] / "mine.csv"), "--table", "Mine"],
            ],
        ),
    ):
        book = tmp_path / f"{name}.xlsx"
        shutil.copyfile(versions["original"], book)
        for command in args:
            process = _start(_run_cli, [a.format(book=book) for a in command], 0.0, tmp_path / f"{name}.log")
            process.join(60)
            assert process.exitcode == 0, (tmp_path / f"{name}.log").read_text()
        kinds[name] = book
    sheets = lo_harness.export_many(list(kinds.values()), tmp_path / "lo", typed=True)
    for name, book in kinds.items():
        exported = sheets[book.resolve()]
        assert "Funnel" in exported, exported.keys()
        counts = {cell for row in exported["Funnel"] for cell in row if isinstance(cell, float)}
        assert (1234 in counts) == (name in ("report", "both"))
        assert (669 in counts) == (name == "table")
        assert ("Mine" in exported) == (name in ("table", "both"))
        if "Mine" in exported:
            assert exported["Mine"][1][:2] == ["North", 1]
