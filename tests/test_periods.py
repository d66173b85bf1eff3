"""Programme names read as periods, and the order of time."""

from __future__ import annotations

import pytest

from xlplugin.core.periods import detect_periods, parse_period, time_order


@pytest.mark.parametrize(
    "text, first, last, kind",
    [
        ("2019/20", (2019, 4), (2020, 3), "financial_year"),
        ("2019-2020", (2019, 4), (2020, 3), "financial_year"),
        ("FY 1999/00", (1999, 4), (2000, 3), "financial_year"),
        ("Year ending March 2021", (2020, 4), (2021, 3), "year_ending"),
        ("year ended  Sept. 2020", (2019, 10), (2020, 9), "year_ending"),
        ("2023 Q1", (2023, 1), (2023, 3), "quarter"),
        ("Q4 2022", (2022, 10), (2022, 12), "quarter"),
        ("Jan 2024", (2024, 1), (2024, 1), "month"),
        ("December 2023", (2023, 12), (2023, 12), "month"),
        ("2024-02", (2024, 2), (2024, 2), "month"),
        ("2016", (2016, 1), (2016, 12), "year"),
    ],
)
def test_parse_period(text, first, last, kind):
    p = parse_period(text)
    assert p is not None
    assert (divmod(p.first, 12)[0], divmod(p.first, 12)[1] + 1) == first
    assert (divmod(p.last, 12)[0], divmod(p.last, 12)[1] + 1) == last
    assert p.kind == kind


@pytest.mark.parametrize("text", ["West Yorkshire", "2019/21", "Q5 2020", "Smarch 2020", "1000", "", None, "20161"])
def test_not_a_period(text):
    assert parse_period(text) is None


def test_time_order_mixes_kinds_and_sorts():
    names = ["2021/22", "Year ending March 2020", "2019"]
    assert time_order(names) == [2, 1, 0]


def test_areas_are_not_periods_and_declared_periods_keep_file_order():
    assert detect_periods(["Kent", "2019"]) is None
    assert time_order(["Kent", "Essex"]) is None
    assert time_order(["Wave one", "Wave two"], declared=True) == [0, 1]
    # one period alone, or the same period twice, is not a time series
    assert detect_periods(["2019"]) is None
    assert detect_periods(["2019/20", "Year ending March 2020"]) is None
