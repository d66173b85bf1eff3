"""Column letters: Excel's own numbering, checked at its edges."""

import pytest

from xlplugin.ooxml.cellref import column_letters, column_number


@pytest.mark.parametrize(
    "number, letters",
    [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"), (702, "ZZ"), (703, "AAA"), (16384, "XFD")],
)
def test_known_columns(number, letters):
    assert column_letters(number) == letters
    assert column_number(letters) == number


def test_round_trip_and_bad_input():
    assert all(column_number(column_letters(n)) == n for n in range(1, 16385))
    with pytest.raises(ValueError):
        column_letters(0)
    with pytest.raises(ValueError):
        column_letters(16385)  # past XFD: not a column of Excel's grid
