"""Article checking: `xlplugin check`'s work on a 5,000-word article with a 20-stage funnel,
against reading the same file with the same reader and doing nothing with it.

The article is made here: paragraphs in the style of the collected texts (rates with the counts
beside them, counts, changes, dates, ages, durations, names, other places' figures) about the
funnel's stages, between paragraphs of prose without figures (quotes, background), so that it
has the founding article's density of figures (one quantitative expression in about 30 words),
repeated with fresh numbers to 5,000 words; as a saved web page (read by trafilatura, as a
fact-checker's saved news page would be) and as plain text. The 10,000-word article shows the
cost grows linearly (a doubling ratio near 2).
"""

from __future__ import annotations

import html
import random
import sys
import tempfile
from pathlib import Path

from timing import alternate, duration, main, row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xlplugin.articles.check import check_text  # noqa: E402
from xlplugin.articles.readers import read_article  # noqa: E402
from xlplugin.inputs.spec import load_input  # noqa: E402

STAGES = 20
WORDS = 5_000
RUNS = 5

NAMES = [
    "Referrals received",
    "Screened",
    "Assessed",
    "Eligible",
    "Offered support",
    "Accepted support",
    "Attended first session",
    "Completed assessment",
    "Allocated a worker",
    "Began programme",
    "Attended half the sessions",
    "Completed programme",
    "Followed up at three months",
    "Still engaged at six months",
    "Housed",
    "In work or training",
    "Reoffended",
    "Closed with no further action",
    "Signposted elsewhere",
    "Contacted the service themselves",
]


def funnel_csv(path: Path) -> list[tuple[str, int]]:
    rng = random.Random(7)
    counts, count = [], 20_000
    for name in NAMES[: STAGES - 1]:
        counts.append((name, count))
        count = max(5, int(count * rng.uniform(0.6, 0.95)))
    counts.append((NAMES[STAGES - 1], 137))
    lines = ["stage,count,base,unit"]
    for i, (name, n) in enumerate(counts):
        base = "none" if i == STAGES - 1 else ""
        lines.append(f"{name},{n},{base},people")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return counts


def paragraphs(counts: list[tuple[str, int]], words: int) -> list[str]:
    rng = random.Random(11)
    out: list[str] = []
    total = 0
    while total < words:
        (a, x), (b, y) = sorted(rng.sample(counts[:-1], 2), key=lambda t: -t[1])
        pct = round(100 * y / x)
        paragraph = " ".join(
            [
                f"Figures released on {rng.randint(1, 28)} March {rng.randint(2015, 2024)} show that of the {x:,}"
                f" people counted as {a.lower()}, just {y:,} were {b.lower()}, a rate of {pct}%.",
                f"The scheme, launched under section {rng.randint(1, 90)} of the Act, ran for {rng.randint(2, 9)}"
                f" weeks and served people aged {rng.randint(16, 25)} to {rng.randint(26, 40)}.",
                f"In Operation Bluebell {rng.randint(2, 9)} officers visited {rng.randint(10, 40)} boroughs, where"
                f" {rng.randint(3, 60)}% of residents said they had heard of it.",
                f"Numbers {rng.choice(['rose', 'fell'])} by {rng.randint(2, 40)}% on the previous year, and nearly"
                f" {rng.choice(['a third', 'two thirds', 'half'])} of those referred had been referred before"
                f" at least {rng.choice(['twice', 'three times'])} in the last year.",
                f"A spokesperson said it cost £{rng.randint(2, 90)} million and that {y:,} {b.lower()}"
                " showed it was working.",
            ]
        )
        out.append(paragraph)
        total += len(paragraph.split())
        for _ in range(4):  # prose, as between an article's figures
            prose = " ".join(rng.sample(PROSE, 5))
            out.append(prose)
            total += len(prose.split())
    return out


PROSE = [
    "The scheme was announced with some fanfare and its supporters say it has changed lives.",
    "Critics argue that the figures tell a different story from the one in the press release.",
    "A spokesperson said the service would always look for new ways to reach those at risk.",
    "Campaigners have called for an independent evaluation before the programme is extended.",
    "The council said it was working closely with partners across the city on the next steps.",
    "Local residents told reporters they had never heard of the scheme until this week.",
    "Officials declined to say how the people contacted had been chosen in the first place.",
    "The minister said the government remained committed to early intervention and prevention.",
    "Opposition politicians said the results were disappointing and demanded a full review.",
    "Charities working in the area said demand for their own services had kept on growing.",
    "The report was published quietly on a Friday afternoon without any accompanying statement.",
    "One former officer described the approach as well meant but poorly thought through.",
    "The data were released in response to a request under the Freedom of Information Act.",
    "It is not clear whether those who took part went on to complete any of the activities.",
    "The organisers said it was too early to judge whether the approach had made a difference.",
    "Several people who were approached said they did not trust the service enough to respond.",
]


def write_article(folder: Path, counts, words: int) -> tuple[Path, Path]:
    paras = paragraphs(counts, words)
    txt = folder / f"article-{words}.txt"
    txt.write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    side = "".join(f"<li><a href='/n/{i}'>Headline {i}: {i * 7}% of voters back plan</a></li>" for i in range(30))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>A scheme in figures</title></head>"
        f"<body><nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
        f"<main><article><h1>A scheme in figures</h1>{body}</article><aside><h2>More news</h2><ul>{side}</ul>"
        "</aside></main><footer>Copyright</footer></body></html>"
    )
    page_path = folder / f"article-{words}.html"
    page_path.write_text(page, encoding="utf-8")
    return txt, page_path


def check_file(path: Path, csv: Path) -> int:
    text, name = read_article(str(path))
    funnel, _spec, _csv = load_input(csv)
    return len(check_text(text, funnel, source=name).claims)


def read_only(path: Path, csv: Path) -> int:
    text, _name = read_article(str(path))
    return len(text)


def run() -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        csv = folder / "funnel.csv"
        counts = funnel_csv(csv)
        files = {w: write_article(folder, counts, w) for w in (WORDS, 2 * WORDS)}
        seconds = {}
        for words, (txt, page) in files.items():
            for label, path in (("saved web page (trafilatura)", page), ("plain text", txt)):
                found = check_file(path, csv)
                assert found > words // 60, found  # the article's claims are found
                timed = alternate(check_file, read_only, RUNS, path, csv)
                seconds[(words, label)] = timed.ours
                if words != WORDS:
                    continue
                benchmark = f"check, {words:,}-word article ({label}), {STAGES}-stage funnel, {found} claims"
                aim = "<= 10x" if "web page" in label else "(reading text is ~free: shown, not aimed)"
                results.append(row(benchmark, "reading the same file with the same reader, doing nothing", timed, aim))
        for label in ("saved web page (trafilatura)", "plain text"):
            large, small = seconds[(2 * WORDS, label)], seconds[(WORDS, label)]
            benchmark = f"check, {2 * WORDS:,} words against {WORDS:,} ({label})"
            notes = f"{duration(large)} vs {duration(small)}"
            results.append(row(benchmark, f"check, {WORDS:,} words", large / small, "~2x (linear)", notes))
    return results


if __name__ == "__main__":
    main(run)
