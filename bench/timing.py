"""Shared timing for the benchmarks: ours and a baseline, alternated, as a median of ratios.

Alternating A B A B and taking the ratio pair by pair keeps a comparison honest when a shared
machine's speed drifts during the run; medians shrug off the odd stalled run.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import NamedTuple


def runs(default: int) -> int:
    """The number of alternated runs: `default`, or XLPLUGIN_BENCH_RUNS for every benchmark at once
    (1 for a quick pass that only shows every figure is printed; more for steadier medians)."""
    return max(1, int(os.environ.get("XLPLUGIN_BENCH_RUNS", default)))


class Alternated(NamedTuple):
    ratio: float  # median over pairs of ours / baseline
    ours: float  # median seconds
    baseline: float  # median seconds


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
    return Alternated(statistics.median(ratios), statistics.median(ours_times), statistics.median(base_times))


def run_process(cmd: list[str], *, env: dict[str, str] | None = None, cwd=None) -> float:
    """Seconds one whole process takes (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    return time.perf_counter() - started
