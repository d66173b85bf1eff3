"""Reading CSV files as real people export them: any common encoding, separator or line end.

Funnel figures come from FOI responses, council spreadsheets and hand-edited files, saved by
Excel for Windows or Mac, LibreOffice, Google Sheets or a script. This module turns any of
those into a plain `Table` of text (no type conversion: a count's meaning is decided by
`xlplugin.core.counts`), and a `Table` into a validated `Funnel`. It is the only place that knows
about encodings, separators and line ends, and every refusal is an `InputError` naming the
file, the line and the column, because the person fixing the file needs to know where to look.

Limits (each refusal says which limit and why): a real FOI funnel is a few dozen rows, so
these are far above any honest input and only stop a file that would exhaust memory or could
not be written into a workbook anyway.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
from pathlib import Path

from xlplugin.core.counts import DEFAULT_SUPPRESSED
from xlplugin.core.errors import InputError, Problem
from xlplugin.core.funnel import Funnel
from xlplugin.core.lazyre import lazy
from xlplugin.core.record import Record
from xlplugin.ooxml.cellref import column_letters

#: Largest file we read (bytes). Checked before reading, so a huge file costs nothing.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Longest field (characters): Excel's limit for one cell; a longer text could not be written.
MAX_FIELD_CHARS = 32_767
#: Most data rows: Excel's sheet holds 1,048,576 rows; a funnel has dozens.
MAX_ROWS = 1_000_000
#: Most physical lines (blank ones included), checked before parsing: two per allowed row.
MAX_LINES = 2 * MAX_ROWS
#: Most columns: Excel's last column is XFD, the 16,384th.
MAX_COLUMNS = 16_384
#: Separators we recognise, in order of preference when the evidence is equal.
DELIMITERS = (",", ";", "\t", "|")
#: How many lines after the header the separator sniffer looks at.
SNIFF_LINES = 100
#: Most problems listed in one error (a badly broken file would otherwise print thousands).
MAX_PROBLEMS = 20

_EMPTY = "the file is empty: expected a header row (stage,count,...) and one row per stage"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}

# C0 controls other than tab/LF/CR, DEL, and C1 controls (which in a cp1252 file can only come
# from the five bytes cp1252 leaves undefined). None belongs in a text CSV. U+FFFE and U+FFFF
# (valid UTF-8, but not characters) are refused too: XML cannot hold them, so a writer that
# passes them through (chart alt text) would make a workbook Excel has to repair.
CONTROL_CHARACTERS = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")

# cp1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; Windows itself maps them to the
# C1 control of the same number. A 256-character charmap gives that behaviour in one fast
# pass that cannot fail (and such a file is then refused for its control characters).
_CP1252_TABLE = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))


class Table(Record, frozen=False):
    """A CSV as text: a header and rows of equal width, each row with its line in the file.

    `lines[i]` is the source line on which `rows[i]` starts (1-based, counting every line of
    the file, blank ones too), so a message about a row points at the line a user sees in an
    editor. Rows shorter than the header are padded with empty strings.
    """

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    name: str
    encoding: str
    delimiter: str
    header_line: int = 1
    sheet: str | None = None  # a workbook's sheet: `lines` are its row numbers, messages name cells
    first_column: int = 0  # in a workbook, the sheet column (0-based) of the table's first column

    def index(self, column: str) -> int | None:
        """Position of `column` in the header, matched case-insensitively; None if absent."""
        wanted = column.strip().lower()
        for i, name in enumerate(self.header):
            if name.lower() == wanted:
                return i
        return None

    def column_name(self, position: int) -> str:
        """The header name of a column, or its spreadsheet letter when the header cell is empty."""
        return self.header[position] or column_letter(position)


def column_letter(position: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA': how a spreadsheet user names a column."""
    return column_letters(position + 1)


# --------------------------------------------------------------------------------------------
# bytes -> text


#: Standard input, as a command-line argument.
STDIN = "-"
#: How messages name standard input.
STDIN_LABEL = "standard input"
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def read_bytes(source: str | Path | bytes, name: str | None, *, workbook_limit: int | None = None) -> tuple[bytes, str]:
    """The file's bytes and the name to use in messages (the path as the user typed it).

    Read once, whatever it is: `-` is standard input, and `/dev/stdin` or a process substitution
    (`<(...)`) is a pipe that cannot be read twice, so callers decide what it is from these bytes.
    A file that starts as a workbook (zip or OLE) may be as large as `workbook_limit`, when given.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "<data>"
        limit = workbook_limit if workbook_limit and data.startswith(_WORKBOOK_MAGIC) else MAX_FILE_BYTES
        if len(data) > limit:
            raise InputError(Problem(_too_big_message(len(data), limit=limit), label))
        return data, label
    if str(source) == STDIN:
        import sys

        return _read_stream(sys.stdin.buffer, name or STDIN_LABEL, workbook_limit)
    label = name or str(source)
    path = Path(source)
    try:
        with open(path, "rb") as handle:
            return _read_stream(handle, label, workbook_limit)
    except FileNotFoundError:
        raise InputError(Problem("file not found", label)) from None
    except IsADirectoryError:
        raise InputError(Problem("this is a folder, not a CSV file", label)) from None
    except PermissionError:
        raise InputError(Problem("permission denied: the file cannot be read", label)) from None
    except OSError as exc:
        raise InputError(Problem(f"the file cannot be read ({exc.strerror or exc})", label)) from None


def _read_stream(handle, label: str, workbook_limit: int | None) -> tuple[bytes, str]:
    """Read a file or a pipe to its limit; the size is checked first where the system knows it."""
    import stat

    try:
        info = os.fstat(handle.fileno())
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
    except (OSError, ValueError, AttributeError):  # a stream without a descriptor (tests' fakes)
        size = None
    head = handle.read(8)
    limit = workbook_limit if workbook_limit and head.startswith(_WORKBOOK_MAGIC) else MAX_FILE_BYTES
    if size is not None and size > limit:
        raise InputError(Problem(_too_big_message(size, limit=limit), label))
    # read one byte more than allowed: a device or pipe reports no size
    data = head + handle.read(limit + 1 - len(head))
    if len(data) > limit:  # a device or pipe: we stopped reading at the limit
        raise InputError(Problem(_too_big_message(limit, at_least=True, limit=limit), label))
    return data, label


def _too_big_message(size: int, at_least: bool = False, limit: int = MAX_FILE_BYTES) -> str:
    what = "a funnel CSV is a few kilobytes" if limit == MAX_FILE_BYTES else "a funnel workbook is far smaller"
    return (
        f"the file is {'over ' if at_least else ''}{_size(size)}; the limit is {_size(limit)} "
        f"({what}: is this the right file?)"
    )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.3g} KB"
    return f"{n / 1024 / 1024:.3g} MB"


def decode(data: bytes, name: str = "<data>") -> tuple[str, str]:
    """Decode a CSV's bytes; returns (text, encoding). Refuses binary files.

    The order is what the files actually are:
    1. a byte-order mark decides: UTF-8 (Excel's "CSV UTF-8"), UTF-16 LE/BE (Excel's
       "Unicode Text" and some database exports);
    2. otherwise strict UTF-8 (LibreOffice, Google Sheets, scripts): text in any other 8-bit
       encoding that contains non-ASCII letters almost never happens to be valid UTF-8;
    3. otherwise cp1252: what Excel for Windows (and Excel for Mac's "Windows Comma
       Separated") writes in Western Europe and the UK, where our users are. It is a superset
       of ISO-8859-1 for every printable character, so German or French ISO-8859 exports read
       correctly too. Every byte decodes, so this cannot fail; a file in another legacy
       encoding (Mac Roman, cp1250) would show wrong accented letters, which is why the
       report's data sheet shows the input as read. A file some of whose lines are UTF-8 and
       others not is refused instead (`_refuse_mixed_encodings`).
    """
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
        raise InputError(
            Problem(
                "this is an Excel workbook, not a CSV file: open it and use File > Save As > "
                "CSV UTF-8 (or give it to `xlplugin refresh`)",
                name,
            )
        )
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = _strict(data, 3, "utf-8", name), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        text = _strict(data, 2, encoding, name)
    else:
        if b"\x00" in data:
            raise InputError(
                Problem(
                    "this does not look like a text CSV file (it contains NUL bytes, as binary files "
                    "do); if it is text in UTF-16 without a byte-order mark, save it as CSV UTF-8",
                    name,
                )
            )
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            _refuse_mixed_encodings(data, name)
            text, encoding = codecs.charmap_decode(data, "strict", _CP1252_TABLE)[0], "cp1252"
    return text, encoding


_LINE_ENDS = re.compile(rb"\r\n|\r|\n")


def _refuse_mixed_encodings(data: bytes, name: str) -> None:
    """A file that is not UTF-8 as a whole, but some of whose lines are: refused, naming one of each.

    Such a file was pasted together (lines from a UTF-8 export appended to a cp1252 one, or the
    reverse); read as cp1252 the UTF-8 lines become mojibake (`CafÃ©`), read as UTF-8 the others
    fail. A line counts as UTF-8 when it has non-ASCII bytes, decodes as UTF-8, and every character
    it then has is one cp1252 could have held: a cp1252 line that happens to be valid UTF-8 decodes
    to characters outside that repertoire (`é££` to a CJK ideograph), so a pure cp1252 file still reads.
    """
    first_utf8: tuple[int, str] | None = None
    first_other: tuple[int, int, str] | None = None
    for number, line in enumerate(_LINE_ENDS.split(data), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            if first_other is None:
                first_other = (number, line[exc.start], bytes([line[exc.start]]).decode("cp1252", "replace"))
        else:
            if first_utf8 is None and _cp1252_can_hold(text):
                first_utf8 = (number, next(c for c in text if not c.isascii()))
        if first_utf8 is not None and first_other is not None:
            break
    if first_utf8 is None or first_other is None:
        return
    (u_line, u_char), (o_line, o_byte, o_char) = first_utf8, first_other
    raise InputError(
        Problem(
            f"the file mixes two encodings: line {u_line} is UTF-8 (it has '{u_char}') but line {o_line} is not "
            f"(its byte 0x{o_byte:02X} is '{o_char}' in Windows cp1252); read either way, one of them would be "
            "garbled: fix the lines in one encoding and save the file as CSV UTF-8",
            name,
        )
    )


def _cp1252_can_hold(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _strict(data: bytes, bom: int, encoding: str, name: str) -> str:
    """Decode after a byte-order mark: the mark promised this encoding, so a bad byte is damage."""
    try:
        return data[bom:].decode(encoding)
    except UnicodeDecodeError as exc:
        where = bom + exc.start
        newline = "\n".encode(encoding)
        line = data[bom:where].count(newline) + 1 if len(newline) == 1 else None
        raise InputError(
            Problem(
                f"the file starts with a {encoding.upper()} byte-order mark but byte {where + 1} "
                f"is not valid {encoding.upper()}: the file is damaged or mislabelled; save it again as CSV UTF-8",
                name,
                line,
            )
        ) from None


def _normalise(text: str, name: str) -> tuple[str, bool]:
    """LF line ends only; a DOS end-of-file mark dropped; binary refused.

    Returns the text and whether it has (a few) control characters, for `_parse` to locate.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\x1a")  # Ctrl-Z: old DOS programs end text files with it
    has_controls = CONTROL_CHARACTERS.search(text) is not None
    if has_controls:
        controls = CONTROL_CHARACTERS.findall(text)
        if "\x00" in text or len(controls) > max(10, len(text) // 100):
            raise InputError(
                Problem(
                    f"this does not look like a text CSV file ({len(controls)} control characters, "
                    "as binary files have); is it the right file?",
                    name,
                )
            )
    return text, has_controls


# --------------------------------------------------------------------------------------------
# text -> rows


def _reader(text: str, delimiter: str, strict: bool):
    return csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=True,  # `a, "b,c"` as people type it
        strict=strict,
    )


def _trimmed_width(row: list[str]) -> int:
    """Number of fields once trailing empty (or blank) fields are dropped."""
    n = len(row)
    while n and not row[n - 1].strip():
        n -= 1
    return n


def _tolerant_rows(sample: str, delimiter: str):
    """Rows of a sample, stopping quietly where the csv module gives up (a huge field)."""
    reader = _reader(sample, delimiter, strict=False)
    try:
        yield from reader
    except csv.Error:
        return


def sniff_delimiter(text: str) -> str:
    """Pick the separator from the header line, checked against the lines that follow.

    A candidate must split the header into at least two fields; among those, the winner makes
    no data row longer than the header, then makes the most rows exactly as wide as the
    header, then splits the header into the most fields. Quoted fields are parsed properly,
    so "1,000" inside quotes is not evidence for a comma, and a `;` file whose numbers have
    decimal commas is read as `;` (its header has no commas; its rows would be ragged).
    If the header has one field under every candidate (a one-column file, or a title line),
    the most frequent candidate in the sample wins, so that later lines still split sensibly.
    """
    sample = "\n".join(text.split("\n", SNIFF_LINES + 1)[: SNIFF_LINES + 1])
    best: tuple | None = None
    best_delimiter = ","
    counts = {}
    for rank, delimiter in enumerate(DELIMITERS):
        rows = [r for r in _tolerant_rows(sample, delimiter) if _trimmed_width(r)]
        if not rows:
            return ","
        widths = [_trimmed_width(r) for r in rows]
        counts[delimiter] = sum(w - 1 for w in widths)
        header = widths[0]
        if header < 2:
            continue
        data = widths[1:]
        score = (
            not any(w > header for w in data),
            sum(w == header for w in data),
            header,
            -rank,
        )
        if best is None or score > best:
            best, best_delimiter = score, delimiter
    if best is None:
        most = max(DELIMITERS, key=lambda d: (counts.get(d, 0), -DELIMITERS.index(d)))
        return most if counts.get(most, 0) else ","
    return best_delimiter


def read_table(source: str | Path | bytes, name: str | None = None, *, delimiter: str | None = None) -> Table:
    """Read a CSV (path or bytes) into a `Table` of text. Raises InputError.

    Handles UTF-8 with or without BOM, UTF-16 with BOM, cp1252 (see `decode`); CR, LF and
    CRLF line ends; `,` `;` tab or `|` separators (sniffed, or Excel's `sep=;` first line,
    or `delimiter=`); quoted fields (with separators and line breaks inside); trailing
    separators (dropped, in the header and in rows); blank lines and lines of only
    separators (skipped, but line numbers still count them). `name` is how messages refer
    to the file (default: the path as given).
    """
    data, label = read_bytes(source, name)
    text, encoding = decode(data, label)
    text, has_controls = _normalise(text, label)
    if not text.strip():
        raise InputError(Problem(_EMPTY, label))
    lines = text.count("\n")
    if lines > MAX_LINES:
        raise InputError(
            Problem(f"the file has {lines:,} lines; the limit is {MAX_LINES:,} (a funnel has dozens)", label)
        )

    first_line_offset = 0
    hint = re.match(r"sep=([^\w\s\"']|\t)\n", text)  # Excel's own separator hint line
    if hint and delimiter is None:
        delimiter = hint.group(1)
        first_line_offset = 1
        text = text[hint.end() :]
    if delimiter is None:
        delimiter = sniff_delimiter(text)

    with _collector_paused():
        try:
            table = _parse(text, delimiter, label, encoding, first_line_offset, has_controls, strict=True)
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputError(_unclosed_quote(text, delimiter, label, first_line_offset)) from None
            # a stray quote inside a field (`5" screen`, `"a" b`): read leniently, as Excel does
            table = _parse(text, delimiter, label, encoding, first_line_offset, has_controls, strict=False)
    return table


@contextlib.contextmanager
def _collector_paused():
    """The cyclic garbage collector off while the rows are made: lists of strings, which hold no cycles.

    Every few thousand rows the collector re-scanned all the rows made so far, and a full collection
    came once the file was large enough: at 32,000 rows that was half the time to read it, and the
    reader took 2.8 times as long for twice the rows (bench/bench_linear.py). Reference counting
    still frees everything; the collector's previous state is restored.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _unclosed_quote(text: str, delimiter: str, label: str, offset: int) -> Problem:
    reader = _reader(text, delimiter, strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error:
        pass
    return Problem(
        'a quotation mark (") opened here is never closed, so the rest of the file would be one '
        'field; close the quote, or double it ("") if it is part of the text',
        label,
        start + offset,
    )


def _parse(
    text: str, delimiter: str, label: str, encoding: str, offset: int, has_controls: bool, strict: bool
) -> Table:
    reader = _reader(text, delimiter, strict)
    problems: list[Problem] = []
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    lines: list[int] = []
    width = 0
    end = 0  # the last physical line consumed so far
    for row in _rows(reader, label, offset):
        start, end = end + 1, reader.line_num
        n = len(row)
        while n and not row[n - 1].strip():
            n -= 1
        if not n:
            continue  # a blank line, or only separators
        if n < len(row):
            del row[n:]
        if max(map(len, row)) > MAX_FIELD_CHARS:
            position = next(i for i, f in enumerate(row) if len(f) > MAX_FIELD_CHARS)
            column = (header[position] if header and position < len(header) else None) or column_letter(position)
            raise InputError(
                Problem(
                    f"a field of {len(row[position]):,} characters is longer than Excel's cell limit "
                    f"of {MAX_FIELD_CHARS:,}; it cannot be written to a workbook (an unclosed quote can cause this)",
                    label,
                    start + offset,
                    column,
                )
            )
        if header is None:
            if n > MAX_COLUMNS:
                raise InputError(
                    Problem(
                        f"the header has {n:,} columns; the limit is Excel's {MAX_COLUMNS:,}", label, start + offset
                    )
                )
            header = [h.strip().lstrip("\ufeff").strip() for h in row]
            header_line = start + offset
            width = n
            continue
        if n > width:
            if len(problems) < MAX_PROBLEMS:
                extra = row[width:]
                first_extra = next(i for i, f in enumerate(extra) if f.strip()) + width
                if width == 1:
                    why = f"is line {header_line} a title rather than the header row? Delete any lines above the header"
                else:
                    why = (
                        f"is there an unquoted {_DELIMITER_NAMES.get(delimiter, repr(delimiter))} "
                        'inside a value? Put such values in quotes: "1,000"'
                    )
                problems.append(
                    Problem(
                        f"this row has {n} fields but the header has {width}: the value "
                        f"'{_clip(row[first_extra])}' has no column ({why})",
                        label,
                        start + offset,
                        column_letter(first_extra),
                    )
                )
            continue
        if n < width:
            row.extend([""] * (width - n))
        rows.append(row)
        lines.append(start + offset)
        if len(rows) > MAX_ROWS:
            raise InputError(
                Problem(
                    f"the file has more than {MAX_ROWS:,} data rows, the limit (a funnel has dozens)",
                    label,
                    start + offset,
                )
            )
    if problems:
        raise InputError(problems)
    if header is None:
        raise InputError(Problem(_EMPTY, label))
    table = Table(header, rows, lines, label, encoding, delimiter, header_line)
    if has_controls:
        _refuse_controls(table)
    return table


def _rows(reader, label: str, offset: int):
    """The reader's rows; the csv module's own field limit (131,072) becomes a located refusal."""
    end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):
                raise
            raise InputError(
                Problem(
                    f"a field is longer than Excel's cell limit of {MAX_FIELD_CHARS:,} characters; it cannot "
                    "be written to a workbook (an unclosed quote can cause this)",
                    label,
                    end + 1 + offset,
                )
            ) from None
        end = reader.line_num
        yield row


def _refuse_controls(table: Table) -> None:
    """A few control characters in otherwise good text: name each place, so it can be fixed."""
    problems: list[Problem] = []
    for line, row in [(table.header_line, table.header)] + list(zip(table.lines, table.rows, strict=False)):
        for i, value in enumerate(row):
            m = CONTROL_CHARACTERS.search(value)
            if m and len(problems) < MAX_PROBLEMS:
                problems.append(
                    Problem(
                        f"contains the invisible control character U+{ord(m.group()):04X}; delete it "
                        "(it cannot be written to a workbook safely)",
                        table.name,
                        line,
                        table.column_name(i) if line != table.header_line else column_letter(i),
                    )
                )
    if problems:
        raise InputError(problems)


def _clip(text: str, length: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= length else text[: length - 1] + "…"


# --------------------------------------------------------------------------------------------
# numbers in cells


# re.ASCII: `\d` would also match '٣', which float() then reads as 3
_PLAIN_NUMBER = lazy(r"-?(?:0|[1-9]\d*)(?:\.\d+)?", re.ASCII)
_GROUPED_NUMBER = lazy(r"-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?", re.ASCII)
_PLAIN_NUMBER_DECIMAL_COMMA = lazy(r"-?(?:0|[1-9]\d*)(?:,\d+)?", re.ASCII)
_GROUPED_NUMBER_DECIMAL_COMMA = lazy(r"-?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?", re.ASCII)


def parse_number(text: str, decimal: str = ".") -> int | float | None:
    """The number a cell's text plainly means, or None to keep it as text.

    Conservative on purpose (used by `refresh --table` to decide which cells become numbers;
    a wrong guess would silently change someone's data):
    - accepted: `1000`, `-3`, `1.5`, `0.25`, and thousands grouped in threes `1,000`,
      `12,345.5` (with `decimal=","`: `1.000`, `66,9`);
    - kept as text (None): leading zeros `007` / `01` (codes, such as FIPS or ward numbers),
      `+3`, `.5`, `1.`, exponents `1e3` (rarely in a CSV, and `1E5` may be a part code),
      spaces `12 345`, percentages `6%`, currency, suppression markers `<5` `[c]`, and more
      than 15 significant digits (Excel would silently round them).
    Returns an int when there is no decimal part, else a float.
    """
    t = text.strip()
    if decimal == ",":
        plain, grouped, group_sep = _PLAIN_NUMBER_DECIMAL_COMMA, _GROUPED_NUMBER_DECIMAL_COMMA, "."
    elif decimal == ".":
        plain, grouped, group_sep = _PLAIN_NUMBER, _GROUPED_NUMBER, ","
    else:
        raise ValueError("decimal must be '.' or ','")
    if plain.fullmatch(t):
        canonical = t
    elif grouped.fullmatch(t):
        canonical = t.replace(group_sep, "")
    else:
        return None
    if decimal == ",":
        canonical = canonical.replace(",", ".")
    if sum(c.isdigit() for c in canonical.lstrip("-0.")) > 15:
        return None
    if "." in canonical:
        return float(canonical)
    return int(canonical)


# --------------------------------------------------------------------------------------------
# table -> funnel


def read_funnel(
    path: str | Path | bytes, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED, *, name: str | None = None
) -> Funnel:
    """Read a funnel CSV (PRODUCT.md) and validate it. Raises InputError naming file, line, column."""
    return read_funnel_table(path, suppressed, name=name)[0]


def read_funnel_table(
    path: str | Path | bytes, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED, *, name: str | None = None
) -> tuple[Funnel, Table]:
    """`read_funnel`, also returning the `Table` as read (the report's data sheet shows it as given)."""
    table = read_table(path, name)
    return funnel_from_table(table, suppressed), table


def funnel_from_table(table: Table, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED, options=None) -> Funnel:
    """The funnel of a table in any layout (`xlplugin.inputs.layout`); columns matched by their words."""
    return layout_of_table(table, suppressed, options).funnel


def layout_of_table(table: Table, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED, options=None):
    """`funnel_from_table`, also saying which layout and columns were taken (a `Layout`)."""
    from xlplugin.inputs.layout import read_layout

    return read_layout(table, suppressed, options)


_DOT_GROUPED = lazy(r"\d{1,3}(?:\.\d{3})+(?:,0+)?")
_COMMA_ZEROS = lazy(r"(\d+),0+")
_COMMA_GROUPED = lazy(r"\d{1,3}(?:,\d{3})+")


def localise_count(text: str | None, delimiter: str) -> str | None:
    """A `;`-separated file comes from a decimal-comma locale: `1.000` there means a thousand.

    `parse_count` reads English numbers (`1,000`, `669.0`); in a `;` file we rewrite German-
    or French-style whole numbers (`1.000`, `669,0`) into that form first, so they are not
    misread as 1 or refused. `1,000` stays a thousand even here: a count is a whole number,
    so three decimal zeros are far less likely than an English thousands separator.
    Anything else passes through for `parse_count` to judge.
    """
    if text is None or delimiter != ";":
        return text
    if _DOT_GROUPED.fullmatch(text):
        return text.split(",")[0].replace(".", ",")
    m = _COMMA_ZEROS.fullmatch(text)
    if m and not _COMMA_GROUPED.fullmatch(text):
        return m.group(1)
    return text
