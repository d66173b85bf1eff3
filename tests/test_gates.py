"""The test suite's own gates (issue 9): markers and oracles cannot be forgotten quietly."""

from __future__ import annotations

import lo_harness
import pytest
from oracles import oracle


def test_a_libreoffice_test_without_the_marker_fails(monkeypatch):
    """`make check` runs `-m "not libreoffice"`: an unmarked test that starts soffice would slip into it."""
    monkeypatch.setattr(lo_harness, "CURRENT_TEST_MARKED", False)
    with pytest.raises(pytest.fail.Exception, match="mark it @pytest.mark.libreoffice"):
        lo_harness.require_soffice()
    with pytest.raises(pytest.fail.Exception, match="mark it"):
        lo_harness.convert("missing.xlsx", "pdf", ".")


def test_this_test_is_seen_as_unmarked():
    assert lo_harness.CURRENT_TEST_MARKED is False


@pytest.mark.libreoffice
def test_a_marked_test_is_seen_as_marked():
    assert lo_harness.CURRENT_TEST_MARKED is True


def test_a_missing_oracle_skips_locally_but_fails_under_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        oracle("no_such_oracle_module")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires it"):
        oracle("no_such_oracle_module")
    assert oracle("math").sqrt(4) == 2


def test_xdist_groups_name_real_modules_and_keep_a_group_on_one_unit():
    """`make check` runs under pytest-xdist; a listed module's tests form one unit of work."""
    from pathlib import Path

    import xdist_groups

    root = Path(__file__).resolve().parent.parent
    assert all((root / module).is_file() for module in xdist_groups.GROUPS)
    table = "tests/test_refresh_table.py::test_refusals_are_the_expected_ones"
    replace = "tests/test_refresh_replace.py::test_x[a::b]"
    assert xdist_groups.scope(table) == xdist_groups.scope(replace) == "group:refresh-corpus"
    assert xdist_groups.scope("tests/test_hostile_bombs.py::test_csv_case_list") == "group:bombs"
    assert xdist_groups.scope("tests/test_cli.py::test_help[x]") == "tests/test_cli.py::test_help[x]"
