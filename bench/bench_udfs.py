"""UPTAKE_RATE over a 100,000-row column: per-element cost against plain Python division.

The baseline divides the same lists of lists xlwings hands over (`[[x / n] ...]`) and gives
the same spill shape, but checks nothing; ours also checks every element (blank, text,
booleans, dates, negative, fractional, above the denominator, zero) and drops trailing
blank rows. Ratio = ours / baseline, median of alternated runs, with the garbage collector
paused during each timed call (as timeit does).
"""

from __future__ import annotations

from timing import alternate

from xlplugin.excel.functions import UPTAKE_RATE

ROWS = 100_000
REPEATS = 7


def _baseline(nums, dens):
    return [[x[0] / n[0]] for x, n in zip(nums, dens, strict=False)]


def run() -> list[dict]:
    results = []
    floats = ([[float(i % 670)] for i in range(ROWS)], [[669.0] for _ in range(ROWS)])
    ints = ([[i % 670] for i in range(ROWS)], [[669] for _ in range(ROWS)])
    for label, (nums, dens) in (("classic floats (62.0)", floats), ("Office.js ints (62)", ints)):
        ratio, ours, base = alternate(UPTAKE_RATE, _baseline, REPEATS, nums, dens, pause_gc=True)
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
    ratio, ours, base = alternate(
        lambda a, b: UPTAKE_RATE(a, b),
        lambda a, b: [[x[0] / b[0][0]] for x in a],
        REPEATS,
        nums,
        one,
        pause_gc=True,
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
