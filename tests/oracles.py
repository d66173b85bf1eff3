"""Importing a test oracle (scipy, statsmodels, numpy): skipped locally when missing, a failure under CI=true.

Why: an oracle that silently skips in CI would let an interval formula drift unchecked.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest


def oracle(name: str) -> ModuleType:
    """`pytest.importorskip(name)`, except that under CI=true a missing oracle fails the test run."""
    if os.environ.get("CI") == "true":
        try:
            return importlib.import_module(name)
        except ImportError as exc:
            pytest.fail(f"the test oracle {name} is not installed and CI=true requires it ({exc})", pytrace=False)
    return pytest.importorskip(name)


def unavailable(message: str, requirement: str = " and CI=true requires it") -> NoReturn:
    """A tool a test needs is missing: skip locally, fail under CI=true (`message` + `requirement`)."""
    if os.environ.get("CI") == "true":
        pytest.fail(message + requirement, pytrace=False)
    pytest.skip(message)
