"""Test-session rules: a test that starts LibreOffice must say so with ``@pytest.mark.libreoffice``."""

from __future__ import annotations

import lo_harness
import pytest


@pytest.fixture(autouse=True)
def _libreoffice_marker(request: pytest.FixtureRequest):
    """Tell the harness whether the running test carries the libreoffice marker (it refuses to start soffice if not)."""
    lo_harness.CURRENT_TEST_MARKED = request.node.get_closest_marker("libreoffice") is not None
    yield
    lo_harness.CURRENT_TEST_MARKED = None
