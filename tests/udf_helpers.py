"""Helpers shared by the Excel-function tests."""

from __future__ import annotations

import os
from contextlib import contextmanager

from xlplugin.excel import functions as udfs

# Every Excel function, in the README's order. The first eight are those of the starter workbook
# and the bad-input matrix (the verdict, cases and check functions came later).
FUNCTIONS = [
    udfs.UPTAKE_RATE,
    udfs.UPTAKE_CI,
    udfs.UPTAKE_FUNNEL,
    udfs.UPTAKE_CLAIM,
    udfs.UPTAKE_EXPLAIN,
    udfs.UPTAKE_BOUNDS,
    udfs.UPTAKE_COMPARE,
    udfs.UPTAKE_LIMITS,
    udfs.UPTAKE_VERDICT,
    udfs.UPTAKE_CASES,
    udfs.UPTAKE_CHECK,
]
FIRST_EIGHT = FUNCTIONS[:8]

# The Met figures, as classic xlwings delivers a 5x1 range with ndim=2.
STAGES = [
    ["Identified for a visit"],
    ["Visited"],
    ["Follow-up engagements"],
    ["Interested in diversion"],
    ["Contacted police about diversion"],
]
COUNTS = [[1000.0], [669.0], [156.0], [62.0], [20.0]]
BASES = [[None], ["Identified for a visit"], ["Visited"], ["Visited"], ["none"]]
UNITS = [["people"], ["people"], ["contacts"], ["people"], ["people"]]


@contextmanager
def raising():
    """Let unexpected exceptions escape the guard, so a test sees real bugs, not #VALUE!."""
    old = os.environ.get(udfs.RAISE_ENV)
    os.environ[udfs.RAISE_ENV] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(udfs.RAISE_ENV, None)
        else:
            os.environ[udfs.RAISE_ENV] = old


def walk(value):
    """Every scalar in a result, however deeply its lists nest."""
    if isinstance(value, list):
        for row in value:
            yield from walk(row)
    else:
        yield value
