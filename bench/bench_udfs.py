"""UPTAKE_RATE over a 100,000-row column: per-element cost against plain Python division.

The baseline divides the same lists of lists xlwings hands over (`[[x / n] ...]`) and gives
the same spill shape, but checks nothing; ours also checks every element (blank, text,
booleans, dates, negative, fractional, above the denominator, zero) and drops trailing
blank rows. Ratio = ours / baseline, median of alternated runs, with the garbage collector
paused during each timed call (as timeit does).
"""

from __future__ import annotations

from timing import alternate, main, row

from xlplugin.excel.functions import UPTAKE_RATE

ROWS = 100_000
REPEATS = 7


def _baseline(nums, dens):
    return [[x[0] / n[0]] for x, n in zip(nums, dens, strict=False)]


def _by_one_cell(nums, one):
    return [[x[0] / one[0][0]] for x in nums]


def run() -> list[dict]:
    results = []
    floats = ([[float(i % 670)] for i in range(ROWS)], [[669.0] for _ in range(ROWS)])
    ints = ([[i % 670] for i in range(ROWS)], [[669] for _ in range(ROWS)])
    cases = [
        (f"column vs column, {label}", "plain Python division over the same lists", _baseline, nums, dens)
        for label, (nums, dens) in (("classic floats (62.0)", floats), ("Office.js ints (62)", ints))
    ]
    cases.append(("column vs one cell", "plain Python division by the one cell", _by_one_cell, floats[0], [[669.0]]))
    for label, baseline, divide, nums, dens in cases:
        timed = alternate(UPTAKE_RATE, divide, REPEATS, nums, dens, pause_gc=True)
        notes = f"ours {timed.ours / ROWS * 1e9:.0f} ns/element, baseline {timed.baseline / ROWS * 1e9:.0f} ns/element"
        results.append(row(f"UPTAKE_RATE, {ROWS:,}-row {label}", baseline, timed.ratio, "<= 5x", notes))
    return results


if __name__ == "__main__":
    main(run)
