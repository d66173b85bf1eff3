"""Speed of the pure-Python exact (Clopper-Pearson) interval against statsmodels.

The acceptance case is x = 123,456 of n = 10^6 at 95%: large shape parameters are
where a naive incomplete beta is slow (a plain bisection is about 20x statsmodels).
Both sides are timed in the same process, alternately, after statsmodels and scipy
are imported and warmed up, so import time is not counted for either.
"""

from __future__ import annotations

import statistics
import time

X, N, CONFIDENCE = 123_456, 1_000_000, 0.95


def _per_call(func, repeats: int) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        func()
    return (time.perf_counter() - started) / repeats


def run(rounds: int = 15, repeats: int = 20) -> list[dict]:
    from statsmodels.stats.proportion import proportion_confint

    from xlplugin.core.intervals import proportion_ci

    def ours():
        return proportion_ci(X, N, CONFIDENCE, "exact")

    def theirs():
        return proportion_confint(X, N, alpha=1 - CONFIDENCE, method="beta")

    ours(), theirs()  # warm up (imports, caches)
    worst = max(abs(a - b) for a, b in zip(ours(), theirs(), strict=False))
    ratios, ours_us, theirs_us = [], [], []
    for i in range(rounds):
        if i % 2:  # alternate which side goes first
            t_ours = _per_call(ours, repeats)
            t_theirs = _per_call(theirs, repeats)
        else:
            t_theirs = _per_call(theirs, repeats)
            t_ours = _per_call(ours, repeats)
        ratios.append(t_ours / t_theirs)
        ours_us.append(t_ours * 1e6)
        theirs_us.append(t_theirs * 1e6)
    return [
        {
            "benchmark": f"exact CI x={X:,} n={N:,} (pure Python)",
            "baseline": 'statsmodels proportion_confint(method="beta")',
            "ratio": statistics.median(ratios),
            "aim": "<= 3x",
            "notes": (
                f"median of {rounds} alternated runs x {repeats} calls: "
                f"{statistics.median(ours_us):.0f} us vs {statistics.median(theirs_us):.0f} us; "
                f"max |difference| {worst:.1e}"
            ),
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
