"""The example report's claims table as LibreOffice shows it after recalculating (issue 11)."""

from __future__ import annotations

from pathlib import Path

import lo_harness as lo
import pytest

pytestmark = pytest.mark.libreoffice

EXAMPLE = Path(__file__).parent.parent / "workbooks" / "examples" / "met-2020-visits.xlsx"


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    lo.require_soffice()
    return lo.export_sheets_csv(EXAMPLE, tmp_path_factory.mktemp("claims-lo"), recalc=True)


def test_the_met_claims_have_three_verdicts_in_words(sheets):
    rows = sheets["Claims"]
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Claim")
    column = rows[header].index("Verdict")
    verdicts = {r[0]: r[column] for r in rows[header + 1 :] if r and r[0]}
    assert verdicts == {
        "just over 6%": "Reproduced",
        "9%": "Reproduced",
        "12%": "Reproduced only by an invalid definition: the 20 are not known to be among the 669",
    }
    assert not any(cell == "Yes" for r in rows for cell in r)


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    lo.require_soffice()
    return lo.export_sheets_values(EXAMPLE, tmp_path_factory.mktemp("ratios-lo"), recalc=True)


def _table(rows: list[list], first: str) -> tuple[list, list[list]]:
    header = next(i for i, r in enumerate(rows) if r and r[0] == first)
    return rows[header], [r for r in rows[header + 1 :] if r and r[0]]


def test_libreoffice_calculates_156_contacts_per_669_people_as_a_number(values):
    header, rows = _table(values["Denominators"], "Definition")
    ratio, units = header.index("Ratio, different units (number)"), header.index("Units")
    follow = [r for r in rows if r[header.index("Numerator (stages)")] == "Follow-up engagements"]
    by_denominator = {r[header.index("Denominator (stage)")]: r for r in follow}
    visited = by_denominator["Visited"]
    assert isinstance(visited[ratio], float) and visited[ratio] == pytest.approx(156 / 669, abs=1e-12)
    assert visited[units] == "Different units: contacts per person"
    header, rows = _table(values["Funnel"], "Stage")
    (row,) = [r for r in rows if r[0] == "Follow-up engagements"]
    assert row[header.index("Ratio to base (number)")] == pytest.approx(156 / 669, abs=1e-12)
    assert row[header.index("Ratio unit")] == "contacts per person"
    assert row[header.index("Rate of base (%)")] == "[z]"  # never a percentage of people
