"""UPTAKE_RATE over a 100,000-row column: per-element cost against plain Python division.

The baseline divides the same lists of lists xlwings hands over (`[[x / n] ...]`) and gives
the same spill shape, but checks nothing; ours also checks every element (blank, text,
booleans, dates, negative, fractional, above the denominator, zero) and drops trailing
blank rows. Ratio = ours / baseline, median of alternated runs, with the garbage collector
paused during each timed call (as timeit does).
"""

from __future__ import annotations

import gc
import statistics
import time

from xlplugin.udfs import UPTAKE_RATE

ROWS = 100_000
REPEATS = 7


def _baseline(nums, dens):
    return [[x[0] / n[0]] for x, n in zip(nums, dens)]


def _median_ratio(ours, baseline, *args) -> tuple[float, float, float]:
    ratios, ours_t, base_t = [], [], []
    for _ in range(REPEATS):
        gc.collect()
        gc.disable()  # as timeit does: a collection landing in one run would swamp the difference
        try:
            t0 = time.perf_counter()
            baseline(*args)
            t1 = time.perf_counter()
            ours(*args)
            t2 = time.perf_counter()
        finally:
            gc.enable()
        base_t.append(t1 - t0)
        ours_t.append(t2 - t1)
        ratios.append((t2 - t1) / (t1 - t0))
    return statistics.median(ratios), statistics.median(ours_t), statistics.median(base_t)


def run() -> list[dict]:
    results = []
    floats = ([[float(i % 670)] for i in range(ROWS)], [[669.0] for _ in range(ROWS)])
    ints = ([[i % 670] for i in range(ROWS)], [[669] for _ in range(ROWS)])
    for label, (nums, dens) in (("classic floats (62.0)", floats), ("Office.js ints (62)", ints)):
        ratio, ours, base = _median_ratio(UPTAKE_RATE, _baseline, nums, dens)
        results.append(
            {
                "benchmark": f"UPTAKE_RATE, {ROWS:,}-row column vs column, {label}",
                "baseline": "plain Python division over the same lists",
                "ratio": ratio,
                "aim": "<= 5x",
                "notes": f"ours {ours / ROWS * 1e9:.0f} ns/element, baseline {base / ROWS * 1e9:.0f} ns/element",
            }
        )
    nums = floats[0]
    one = [[669.0]]
    ratio, ours, base = _median_ratio(
        lambda a, b: UPTAKE_RATE(a, b), lambda a, b: [[x[0] / b[0][0]] for x in a], nums, one
    )
    results.append(
        {
            "benchmark": f"UPTAKE_RATE, {ROWS:,}-row column vs one cell",
            "baseline": "plain Python division by the one cell",
            "ratio": ratio,
            "aim": "<= 5x",
            "notes": f"ours {ours / ROWS * 1e9:.0f} ns/element, baseline {base / ROWS * 1e9:.0f} ns/element",
        }
    )
    return results


if __name__ == "__main__":
    for row in run():
        print(f"{row['ratio']:.2f}x  (aim {row['aim']})  {row['benchmark']}: {row['notes']}")
