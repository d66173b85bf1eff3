"""Excel's column letters, one implementation for every module that names cells.

Excel numbers columns from 1 (A) to 16,384 (XFD); callers that count from 0 add one.
"""

from __future__ import annotations


def column_letters(number: int) -> str:
    """1 -> 'A', 26 -> 'Z', 27 -> 'AA'."""
    if number < 1:
        raise ValueError(f"column {number} is before column A")
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """'A' -> 1, 'AA' -> 27 (letters upper-case A-Z)."""
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number
