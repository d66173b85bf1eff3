"""Helpers shared by the Excel-function tests."""

from __future__ import annotations

import os
from contextlib import contextmanager

from xlplugin.excel import functions as udfs


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
