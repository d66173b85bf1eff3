"""A generated case file whose true funnel is known, block by block (see TRUTH below).

Columns: person (the id), borough, identified (date), visited (date), followed_up (date or
flag), interested (flag). Each block is a kind of case; the expected funnels are worked out
by hand from the blocks, not by running any counting code.
"""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = ["person", "borough", "identified", "visited", "followed_up", "interested"]
STAGES = "identified,visited,followed_up,interested"


def blocks() -> list[tuple[str, int, list[str]]]:
    """(label, how many, row template without person id)."""
    return [
        # A: the whole funnel, in order, visited 5 days and followed up 20 days after identification
        ("A-north", 25, ["North", "2021-01-05", "2021-01-10", "2021-01-25", "1"]),
        ("A-south", 15, ["South", "2021-01-05", "2021-01-10", "2021-01-25T10:30:00", "yes"]),
        # B: identified and visited 15 days later, nothing more
        ("B", 30, ["North", "2021-01-05", "2021-01-20", "no", "0"]),
        # C: interested without a visit or follow-up (the Met's 20 who phoned in); empty cells
        ("C", 20, ["South", "2021-02-01", "", "", "TRUE"]),
        # D: visited before being identified (dates out of order); followed up (flag, no date)
        ("D", 10, ["North", "2021-02-01", "2021-01-15", "x", "n"]),
        # E: visited 61 days later (outside 30 days); followed up (flag)
        ("E", 8, ["South", "2021-03-01", "2021-05-01", "Y", "no"]),
        # F: an unparseable visit cell; no borough
        ("F", 5, ["", "2021-03-01", "maybe", "0", "0"]),
    ]


def write_cases(path: Path) -> Path:
    """Write the case file: the blocks, then 6 duplicate rows of A people, then 3 rows with no id."""
    rows = []
    number = 0
    a_people = []
    for label, count, template in blocks():
        for _ in range(count):
            number += 1
            person = f"P{number:04d}"
            if label.startswith("A"):
                a_people.append((person, template[0]))
            rows.append([person, *template])
    # G: a second row for six A people: identified two days later, nothing else (empty visit)
    for person, borough in a_people[:3] + a_people[-3:]:
        rows.append([person, borough, "2021-01-07", "", "no", "0"])
    # H: three rows without an id
    for _ in range(3):
        rows.append(["", "North", "2021-03-01", "2021-03-02", "no", "0"])
    # shuffle deterministically so duplicates are not adjacent
    rows = rows[::2] + rows[1::2]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


# The true funnels, by hand from the blocks (counts per stage in order; --id person unless said).
TRUTH = {
    # default (any order): interested includes C's 20, who reached it without visited/followed_up
    "default": [113, 88, 58, 60],
    # --ordered: D's visit is dated before identification (10 out of order); C skip stages
    "ordered": [113, 78, 48, 40],
    # --within 30d: D (before) and E (61 days) are outside; flags have no date to test
    "within": [113, 70, 40, 0],
    "ordered_within": [113, 70, 40, 0],
    # no --id: every row is a case (6 duplicates and 3 rows without id included)
    "rows": [122, 91, 58, 60],
}
TRUTH_BOROUGH = {"North": [65, 65, 35, 25], "South": [43, 23, 23, 35]}
TRUTH_MONTH = {"2021-01": [70, 70, 40, 40], "2021-02": [30, 10, 10, 20], "2021-03": [13, 8, 8, 0]}
TRUTH_DIAGNOSTICS = {
    "rows": 122,
    "cases": 113,
    "rows_without_id": 3,
    "duplicate_ids": 6,
    "duplicate_rows": 6,
    "missing": [0, 26, 20, 0],  # C's 20 visits and follow-ups; G's 6 visits
    "unparseable": [0, 5, 0, 0],  # F's "maybe"
    "interested_without_visited": 20,
    "interested_without_followed_up": 20,
    "out_of_order_visited": 10,
    "outside_window_visited": 18,  # D before identification, E 61 days after
    "undated_followed_up": 18,  # D and E followed up by flag
}
