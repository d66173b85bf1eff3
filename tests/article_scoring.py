"""Score the article checker against an expected table (format: tests/data/articles/README.md).

Expected quotes are found in text order in the part after `---`; a reported claim matches a row
when their spans overlap. Recall: claim rows found with the expected kind; precision: reported
claims that overlap a claim row; verdict accuracy: found claim rows with the expected verdict.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

#: The tables' hyphenated verdicts, in the checker's vocabulary.
VERDICTS = {
    "reproduced": "reproduced",
    "reproduced-not-subset": "reproduced_invalid",
    "not-reproduced": "not_reproduced",
    "not-checkable": "not_checkable",
    "possible": "possible",
}


@dataclass
class Row:
    quote: str
    kind: str
    expected: str
    verdict: str
    start: int
    end: int


@dataclass
class Score:
    name: str
    claim_rows: int = 0
    found: int = 0
    reported: int = 0
    true_reported: int = 0
    verdict_right: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.claim_rows if self.claim_rows else 1.0

    @property
    def precision(self) -> float:
        return self.true_reported / self.reported if self.reported else 1.0

    @property
    def verdict_accuracy(self) -> float:
        return self.verdict_right / self.found if self.found else 1.0


def expected_rows(text: str, tsv: Path) -> list[Row]:
    """The table's rows with their offsets in `text` (searched in order after the `---` line)."""
    body = text.index("\n---\n") + 5 if "\n---\n" in text else 0
    rows, pos = [], body
    with tsv.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            at = text.find(rec["quote"], pos)
            if at < 0:
                raise AssertionError(f"{tsv.name}: quote {rec['quote']!r} not found in order in the text")
            rows.append(Row(rec["quote"], rec["kind"], rec["expected"], rec["verdict"], at, at + len(rec["quote"])))
            pos = at + 1
    return rows


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score(name: str, rows: list[Row], claims: list[dict]) -> Score:
    s = Score(name)
    claim_rows = [r for r in rows if r.kind != "not-a-claim"]
    s.claim_rows = len(claim_rows)
    s.reported = len(claims)
    for r in claim_rows:
        hits = [c for c in claims if _overlaps(c["start"], c["end"], r.start, r.end) and c["kind"] == r.kind]
        if not hits:
            s.problems.append(f"missed {r.kind} {r.quote!r}")
            continue
        s.found += 1
        if any(c["verdict"] == VERDICTS[r.verdict] for c in hits):
            s.verdict_right += 1
        else:
            s.problems.append(f"{r.quote!r}: verdict {hits[0]['verdict']}, expected {r.verdict}")
    for c in claims:
        if any(_overlaps(c["start"], c["end"], r.start, r.end) for r in claim_rows):
            s.true_reported += 1
        else:
            why = next((r.quote for r in rows if _overlaps(c["start"], c["end"], r.start, r.end)), None)
            s.problems.append(f"reported {c['kind']} {c['quote']!r}" + (f" (not a claim: {why!r})" if why else ""))
    return s
