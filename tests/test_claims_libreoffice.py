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
