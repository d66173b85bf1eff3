"""A CSV whose lines are in two encodings is refused through the CLI; a file in one still reads.

Lines pasted from a UTF-8 export into a cp1252 file (or the reverse) used to be decoded as
cp1252 as a whole, so `Café` on the UTF-8 lines became `CafÃ©` without a word.
"""

from __future__ import annotations

import json

from test_cli import run

HEADER = "stage,count,base,note\r\n"
UTF8_LINE = "Visited,669,,Café visits\r\n".encode()  # line 3 below
CP1252_LINE = "Interested,62,Visited,Référé\r\n".encode("cp1252")  # line 4 below


def _rates(tmp_path, data: bytes) -> tuple[int, str, str]:
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    r = run("rates", path.name, "--json", cwd=tmp_path)
    return r.returncode, r.stdout, r.stderr


def test_utf8_and_cp1252_lines_in_one_file_are_refused_naming_a_line_of_each(tmp_path):
    data = HEADER.encode() + b"Identified,1000,,\r\n" + UTF8_LINE + CP1252_LINE
    code, out, err = _rates(tmp_path, data)
    assert code == 2 and out == ""
    assert err.strip() == (
        "xlplugin rates: mixed.csv: the file mixes two encodings: line 3 is UTF-8 (it has 'é') but line 4 is "
        "not (its byte 0xE9 is 'é' in Windows cp1252); read either way, one of them would be garbled: fix the "
        "lines in one encoding and save the file as CSV UTF-8"
    )


def test_the_first_line_of_each_kind_is_named_in_either_order(tmp_path):
    # cp1252 first, then UTF-8 (LF line ends this time); later lines of each kind are not named
    data = (
        b"stage,count,note\n"
        + "A,10,Référé\n".encode("cp1252")
        + b"B,5,plain\n"
        + "C,4,Ça va\n".encode()
        + "D,3,Noël\n".encode("cp1252")
        + "E,2,Noël\n".encode()
    )
    code, _out, err = _rates(tmp_path, data)
    assert code == 2
    assert "line 4 is UTF-8 (it has 'Ç') but line 2 is not (its byte 0xE9 is 'é' in Windows cp1252)" in err


def test_report_writes_nothing_for_a_mixed_file(tmp_path):
    source = tmp_path / "mixed.csv"
    source.write_bytes(HEADER.encode() + b"Identified,1000,,\r\n" + UTF8_LINE + CP1252_LINE)
    r = run("report", source, "-o", tmp_path / "out.xlsx", cwd=tmp_path)
    assert r.returncode == 2 and "mixes two encodings" in r.stderr
    assert not (tmp_path / "out.xlsx").exists()


def _stages(out: str) -> list[str]:
    return [s["stage"] for p in json.loads(out)["programmes"] for s in p["stages"]]


def test_a_pure_cp1252_file_still_reads(tmp_path):
    # '££' after 'é' happens to be valid UTF-8 (a CJK ideograph) on its own line: still cp1252
    text = HEADER + "Identified,1000,,\r\nVisité££,669,,\r\nRéféré,62,Visité££,\r\n"
    code, out, err = _rates(tmp_path, text.encode("cp1252"))
    assert code == 0, err
    assert _stages(out) == ["Identified", "Visité££", "Référé"]


def test_a_pure_utf8_file_still_reads(tmp_path):
    text = HEADER + "Identified,1000,,\r\nCafé visits,669,,\r\nRéféré ✓,62,Café visits,\r\n"
    code, out, err = _rates(tmp_path, text.encode())
    assert code == 0, err
    assert _stages(out) == ["Identified", "Café visits", "Référé ✓"]
