"""Retitling a kept spec title after a refresh: which periods change, which are left and said to be stale."""

from __future__ import annotations

from xlplugin.core.retitle import retitle, stated_periods, title_periods


def test_single_year_title_over_new_single_period():
    r = retitle("Met visits, 2020: uptake", [], ["2022"])
    assert r.title == "Met visits, 2022: uptake" and r.replaced == (("2020", "2022"),) and r.stale == ()


def test_old_first_and_last_periods_follow_the_new_data():
    r = retitle("Prevent referrals 2019/20 to 2021/22", ["2019/20", "2020/21", "2021/22"], ["2022/23", "2020/21"])
    assert r.title == "Prevent referrals 2020/21 to 2022/23"
    assert r.replaced == (("2019/20", "2020/21"), ("2021/22", "2022/23"))


def test_periods_the_new_data_state_are_kept_and_others_are_stale():
    r = retitle("Referrals, year ending March 2021 and 2023 Q1", [], ["2023 Q1", "2023 Q2"])
    assert r.title == "Referrals, year ending March 2021 and 2023 Q1"
    assert r.replaced == () and r.stale == ("year ending March 2021",)
    # two title periods and no old periods: which is which cannot be told, so nothing is changed
    two = retitle("Visits 2019 and 2020", [], ["2022"])
    assert two.title == "Visits 2019 and 2020" and two.stale == ("2019", "2020")


def test_no_change_without_stated_periods_or_title_periods():
    assert retitle("Visits 2020", ["2020"], ["Leeds", "York"]).replaced == ()
    assert retitle("Visits 2020", ["2020"], [None]).title == "Visits 2020"
    assert retitle("Visits in London", [], ["2022"]) == ("Visits in London", (), ())


def test_title_periods_are_whole_tokens():
    found = [
        (title[a:b], p.kind)
        for title in ["Jan 2024, 2019-20, FY2021/22 x2020 20201 2020s"]
        for a, b, p in title_periods(title)
    ]
    assert found == [("Jan 2024", "month"), ("2019-20", "financial_year"), ("FY2021/22", "financial_year")]
    assert [p.label for p in stated_periods(["2021", "2019"]) or []] == ["2019", "2021"]
    assert stated_periods(["2021", "Leeds"]) is None and stated_periods([]) is None
