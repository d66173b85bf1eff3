"""The row and stage-pair limits are judged on the table's text, before any funnel is built.

A stage counts as the funnel counts it: a distinct non-empty name (case-insensitive) within its
programme; a wide table's every programme column has every row's stage; a long table's programme
column groups the rows. `build_funnel` is replaced by a tripwire to show it is never reached.
"""

from __future__ import annotations

import pytest

from xlplugin.core.errors import InputError
from xlplugin.inputs import csvinput, layout
from xlplugin.inputs.loader import load


@pytest.fixture
def tripwire(monkeypatch):
    calls = []

    def build(*args, **kwargs):
        calls.append(args)
        raise AssertionError("the funnel was built before the limits were checked")

    monkeypatch.setattr(layout, "build_funnel", build)
    return calls


def _refusal(text: str) -> str:
    with pytest.raises(InputError) as err:
        load(text.encode(), name="big.csv")
    return str(err.value)


def test_one_long_chain_is_refused_before_the_funnel_is_built(tripwire):
    rows = ["stage,count"] + [f"S{i},{32_000 - i}" for i in range(32_000)]
    rows[5] = "S3,not a count"  # a duplicate and a bad count: the limit is judged first
    message = _refusal("\n".join(rows))
    assert message == (
        "big.csv: the funnel is too large to report: 1 programme(s) of up to 31,999 stages make "
        "511,984,000 stage pairs (each stage with every earlier one), over the limit of 100,000 "
        "(e.g. 400 stages in one programme, or 16,000 programmes of 3 stages); a funnel has dozens of stages"
    )
    assert tripwire == []


def test_names_differing_in_case_and_blank_names_are_not_counted_twice(tripwire):
    # 447 distinct stages make 100,128 pairs; spelled twice over (upper case) and with blank names
    # they are still 447 stages, so the message counts 447
    rows = ["stage,count"] + [f"s{i},1" for i in range(447)] + [f"S{i},1" for i in range(447)] + [",1"] * 5
    assert "1 programme(s) of up to 447 stages make 100,128 stage pairs" in _refusal("\n".join(rows))


def test_just_under_the_limit_reaches_the_funnel():
    rows = ["stage,count,base"] + [f"S{i},5,none" for i in range(446)]  # 99,681 pairs
    assert len(load("\n".join(rows).encode(), name="ok.csv").funnel.programmes[0].stages) == 446


def test_a_long_table_counts_each_programme():
    def long(programmes: int) -> str:
        rows = ["year,stage,count"]
        rows += [f"{2000 + p},S{i},5" for p in range(programmes) for i in range(300)]
        return "\n".join(rows)

    assert len(load(long(2).encode(), name="long.csv").funnel.programmes) == 2  # 2 x 45,150 pairs
    assert "3 programme(s) of up to 300 stages make 135,450 stage pairs" in _refusal(long(3))


def test_a_wide_table_counts_each_programme_column():
    def wide(columns: int) -> str:
        header = "stage," + ",".join(f"{2000 + c}/{c + 1:02d}" for c in range(columns))
        return "\n".join([header] + [f"S{i}," + ",".join("5" for _ in range(columns)) for i in range(300)])

    assert len(load(wide(2).encode(), name="wide.csv").funnel.programmes) == 2
    assert "3 programme(s) of up to 300 stages make 135,450 stage pairs" in _refusal(wide(3))


def test_the_row_limit_is_judged_on_any_table(tripwire, monkeypatch):
    # a workbook's table does not pass through the CSV parser's own row count
    monkeypatch.setattr(csvinput, "MAX_ROWS", 3)
    table = csvinput.Table(["stage", "count"], [["a", "1"]] * 4, [2, 3, 4, 5], "book.xlsx", "utf-8", ",")
    with pytest.raises(InputError) as err:
        layout.read_layout(table)
    assert str(err.value) == "book.xlsx: the table has 4 data rows, more than the limit of 3"
    assert tripwire == []
