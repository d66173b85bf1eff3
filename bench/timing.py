"""Shared timing for the benchmarks: ours and a baseline, alternated, as a median of ratios.

Alternating A B A B and taking the ratio pair by pair keeps a comparison honest when a shared
machine's speed drifts during the run; medians shrug off the odd stalled run.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import NamedTuple


class Alternated(NamedTuple):
    ratio: float  # median over pairs of ours / baseline
    ours: float  # median seconds
    baseline: float  # median seconds
    runs: int  # how many pairs were timed


def alternate(
    ours: Callable[..., object],
    baseline: Callable[..., object],
    runs: int,
    *args,
    warmup: bool = True,
    pause_gc: bool = False,
) -> Alternated:
    """Time `ours(*args)` and `baseline(*args)` in turn, `runs` times each.

    `pause_gc` switches the garbage collector off inside each timed call, as `timeit` does,
    for in-process micro-benchmarks where one collection would swamp the difference.
    """
    if warmup:  # imports, the file cache, bytecode caches
        ours(*args)
        baseline(*args)
    ratios, ours_times, base_times = [], [], []
    for _ in range(runs):
        pair = []
        for fn in (ours, baseline):
            if pause_gc:
                gc.collect()
                gc.disable()
            try:
                started = time.perf_counter()
                fn(*args)
                pair.append(time.perf_counter() - started)
            finally:
                if pause_gc:
                    gc.enable()
        ours_times.append(pair[0])
        base_times.append(pair[1])
        ratios.append(pair[0] / pair[1])
    return Alternated(statistics.median(ratios), statistics.median(ours_times), statistics.median(base_times), runs)


def duration(seconds: float) -> str:
    """Seconds as a reader takes them in: `1.23 s`, `456 ms`, `7.8 ms`."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    ms = seconds * 1000
    return f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def row(benchmark: str, baseline: str, timed: Alternated | float, aim: str, notes: str = "") -> dict:
    """One row of `make bench`'s table (see bench/run.py).

    Given an `Alternated`, the ratio is its median and the notes begin with its medians
    ("median of 7 alternated runs: 120 ms vs 48 ms"); given a number, that is the ratio.
    """
    if isinstance(timed, Alternated):
        medians = f"median of {timed.runs} alternated runs: {duration(timed.ours)} vs {duration(timed.baseline)}"
        notes = f"{medians}; {notes}" if notes else medians
        timed = timed.ratio
    return {"benchmark": benchmark, "baseline": baseline, "ratio": timed, "aim": aim, "notes": notes}


def main(run: Callable[[], list[dict]]) -> None:
    """One benchmark run on its own (`python bench/bench_x.py`): a line a row."""
    for r in run():
        print(f"{r['ratio']:.2f}x (aim {r.get('aim', '-')})  {r['benchmark']} against {r['baseline']}: {r['notes']}")


def run_process(cmd: list[str], *, env: dict[str, str] | None = None, cwd=None) -> float:
    """Seconds one whole process takes (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    return time.perf_counter() - started
