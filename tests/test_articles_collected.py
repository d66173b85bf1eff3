"""The article checker on the collected texts: recall, precision and verdict accuracy.

Each text in tests/data/articles/ (README there: URL, publisher, date in each header) has the
funnel it rests on (.csv) and every quantitative expression classified (.expected.tsv). The test
prints the three figures per text and overall (run with -s to see them) and requires each
overall figure to be at least 0.9, and the founding article to be perfect.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.article_scoring import Score, expected_rows, score
from xlplugin.articles.check import check_text
from xlplugin.inputs.spec import load_input

DATA = Path(__file__).resolve().parent / "data" / "articles"
TEXTS = sorted(p.with_suffix("") for p in DATA.glob("*.expected.tsv"))
COLLECTED = [p for p in TEXTS if not p.name.startswith("01-")]


def stem(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".expected"))


def score_text(base: Path) -> Score:
    base = stem(base)
    text = base.with_suffix(".txt").read_text(encoding="utf-8")
    funnel, _spec, _path = load_input(base.with_suffix(".csv"))
    result = check_text(text, funnel)
    rows = expected_rows(text, base.with_suffix(".expected.tsv"))
    return score(base.name, rows, [c.as_json() for c in result.claims])


def test_there_are_at_least_eight_collected_texts_from_five_publishers():
    assert len(COLLECTED) >= 8
    publishers = set()
    for base in COLLECTED:
        header = stem(base).with_suffix(".txt").read_text(encoding="utf-8").split("\n---\n", 1)[0]
        fields = dict(line.split(": ", 1) for line in header.splitlines())
        assert fields["url"].startswith("http") and fields["date"][:2] in ("19", "20")
        publishers.add(fields["publisher"].split(" (")[0])
    assert len(publishers) >= 5, publishers


def test_recall_precision_and_verdict_accuracy_overall_at_least_0_9():
    scores = [score_text(base) for base in COLLECTED]
    total = Score("overall")
    for s in scores:
        total.claim_rows += s.claim_rows
        total.found += s.found
        total.reported += s.reported
        total.true_reported += s.true_reported
        total.verdict_right += s.verdict_right
    print(f"\n{'text':40} {'rows':>5} {'recall':>7} {'precision':>9} {'verdicts':>8}")
    for s in [*scores, total]:
        print(f"{s.name:40} {s.claim_rows:5d} {s.recall:7.3f} {s.precision:9.3f} {s.verdict_accuracy:8.3f}")
        for problem in s.problems:
            print(f"    {problem}")
    assert total.recall >= 0.9
    assert total.precision >= 0.9
    assert total.verdict_accuracy >= 0.9


@pytest.mark.parametrize("base", [p for p in TEXTS if p.name.startswith("01-")], ids=lambda p: p.name)
def test_founding_article_is_perfect(base):
    s = score_text(base)
    assert (s.recall, s.precision, s.verdict_accuracy) == (1.0, 1.0, 1.0), s.problems
