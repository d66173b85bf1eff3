"""`make bench`: every benchmark as a ratio against a baseline measured in the same run.

Each `bench/bench_*.py` exposes `run() -> list[dict]` with keys benchmark, baseline,
ratio (median over alternated runs, ours / baseline), aim and notes. Ratios, not
seconds, because shared machines drift; the machine is printed so figures can be read.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the benchmarks share bench/timing.py


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"
    )


def ratio_text(ratio: float) -> str:
    """Two decimals, or three significant digits for small ratios (0.0097x, not 0.01x)."""
    return f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.2g}x"


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bytecode_caches(folder: str) -> None:
    """Let child processes keep bytecode: some sandboxes set PYTHONDONTWRITEBYTECODE, which makes
    every timed `python -m xlplugin ...` recompile every module and measures the compiler. The
    caches go to a temporary folder, never into the source tree."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = folder


def main(argv: list[str]) -> int:
    import tempfile

    only = set(argv)
    bytecode_caches(tempfile.mkdtemp(prefix="xlplugin-bench-pycache-"))
    print(f"machine: {machine()}")
    rows, failures = [], []
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem.removeprefix("bench_") not in only:
            continue
        started = time.perf_counter()
        try:
            results = load(path).run()
        except Exception as exc:  # one broken benchmark should not hide the others
            failures.append(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        for r in results:
            r.setdefault("notes", "")
            r["source"] = path.stem
        rows.extend(results)
        print(f"  ran {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    header = ("benchmark", "baseline", "ratio", "aim", "notes")
    table = [[r["benchmark"], r["baseline"], ratio_text(r["ratio"]), r.get("aim", ""), r["notes"]] for r in rows]
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(header)]

    def fmt(cells):
        return " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    print(fmt(header))
    print(fmt(["-" * w for w in widths]))
    for t in table:
        print(fmt(t))
    for f in failures:
        print(f"FAILED {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
