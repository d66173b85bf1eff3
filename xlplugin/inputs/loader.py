"""`load()`: every command's one way in. Each input file is read once, then judged from its bytes.

Why once: standard input (`-`), `/dev/stdin` and a process substitution (`<(...)`) are pipes, so a
second read (to guess the type, then to parse) finds them empty. `load` reads the bytes, decides
what they are (a report spec, a workbook, a CSV), parses them, and hands on the bytes, their
SHA-256 and the parsed funnel together, so nothing downstream opens the file again.

    from xlplugin.inputs import load
    loaded = load("figures.xlsx")            # or a CSV, a .toml spec, "-" for standard input
    loaded.funnel, loaded.table, loaded.sha256, loaded.notes

Options (`ReadOptions`): `format` ("csv"/"xlsx", when the bytes cannot tell), `layout`
(`one-row-per-stage`/`wide`/`long`), `programme_column`, `dash` ("unavailable"/"zero"),
`not_available` and `zero` (comma-separated tokens, `core.counts.Missing`), and for workbooks
`sheet`, `table`, `cell_range`. `load_table` reads a plain table the same way (for `refresh
--table`); `reread` reads a loaded table again with another suppressed range or options.
"""

from __future__ import annotations

import functools
from pathlib import Path

from xlplugin.core.counts import DEFAULT_SUPPRESSED
from xlplugin.core.errors import InputError, Problem
from xlplugin.core.funnel import Funnel
from xlplugin.core.record import Record, field
from xlplugin.inputs.csvinput import STDIN, STDIN_LABEL, Table, read_bytes
from xlplugin.inputs.layout import Disagreement, LayoutOptions

TYPE_CHECKING = False  # not typing's: importing typing would cost more than it saves
if TYPE_CHECKING:
    from xlplugin.inputs.spec import ReportSpec

FORMATS = ("csv", "xlsx")
#: The largest workbook read (the package limit, `xlplugin.ooxml.package.Limits.max_file_bytes`).
MAX_WORKBOOK_BYTES = 256 * 2**20
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")


class ReadOptions(LayoutOptions):
    """How to read the data: the layout options plus the format and, for a workbook, where the data is."""

    format: str | None = None
    sheet: str | None = None
    table: str | None = None
    cell_range: str | None = None


class Loaded(Record):
    """One input, read once: its bytes and digest, the data as a table of text, and the funnel."""

    name: str  # how messages name the data file (the path as typed, or "standard input")
    path: Path | None  # the data file; None for standard input
    data: bytes  # the data file's bytes as read
    format: str  # "csv" or "xlsx"
    table: Table  # the data as text (header and rows), as the report's data sheet shows it
    funnel: Funnel
    layout: str  # "one-row-per-stage", "wide" or "long"
    notes: tuple[str, ...] = ()  # the layout and columns taken; count/percentage disagreements
    roles: dict[str, str] = field(default_factory=dict)  # role ("stage", "count", "unit"...) -> header as spelled
    spec: ReportSpec | None = None  # the report spec, when the input was one
    spec_path: Path | None = None
    disagreements: tuple[Disagreement, ...] = ()  # published counts their percentages do not allow
    options: ReadOptions = field(default_factory=ReadOptions)  # how it was read (for `reread`)
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED

    @functools.cached_property
    def sha256(self) -> str:
        """The data file's SHA-256 (hex), worked out when first asked for: `rates` never pays for it."""
        return sha256_hex(self.data)


#: Below this size CPython's own SHA-256 (about 180 MB/s here) finishes before OpenSSL's would
#: have loaded: `import hashlib` initialises OpenSSL, about 4 ms of a report's 130 ms.
_BUILTIN_SHA256_BYTES = 256 * 1024


def sha256_hex(data: bytes) -> str:
    """SHA-256 (hex) of `data`: CPython's built-in module for small inputs, hashlib (OpenSSL) otherwise."""
    if len(data) <= _BUILTIN_SHA256_BYTES:
        try:
            from _sha2 import sha256  # Python 3.12 and later
        except ImportError:
            try:
                from _sha256 import sha256  # Python 3.11
            except ImportError:  # a build without them: hashlib has OpenSSL's
                from hashlib import sha256
    else:
        from hashlib import sha256
    return sha256(data).hexdigest()


def load(
    source: str | Path | bytes,
    *,
    suppressed: tuple[int, int] = DEFAULT_SUPPRESSED,
    options: ReadOptions | None = None,
    name: str | None = None,
) -> Loaded:
    """Read `source` (a path, `-` for standard input, or bytes) once; InputError naming where it is wrong."""
    options = options or ReadOptions()
    data, path, label = _read_once(source, options, name)
    kind = _kind(path, data, options.format, label)
    if kind == "spec":
        return _load_spec(data, path, label, suppressed, options)
    return _load_data(data, path, label, kind, suppressed, options)


def load_table(source: str | Path | bytes, *, options: ReadOptions | None = None, name: str | None = None) -> Table:
    """The data of `source` as a plain table of text (a CSV, or a workbook's sheet, table or range), read once.

    For `refresh --table`, which writes a table as it is: no layout, no funnel. A report spec is refused.
    """
    options = options or ReadOptions()
    data, path, label = _read_once(source, options, name)
    kind = _kind(path, data, options.format, label)
    if kind == "spec":
        raise InputError(Problem("this is a report spec, not a table: give the CSV or workbook it names", label))
    return _read_data_table(data, label, kind, options)


def _read_once(source: str | Path | bytes, options: ReadOptions, name: str | None) -> tuple[bytes, Path | None, str]:
    """The bytes of `source` (a path, `-` or bytes), its path (None for standard input or bytes), and its label."""
    if options.format is not None and options.format not in FORMATS:
        raise InputError(Problem(f"format '{options.format}' is not one of {', '.join(FORMATS)}", column="--format"))
    is_stdin = not isinstance(source, (bytes, bytearray, memoryview)) and str(source) == STDIN
    data, label = read_bytes(source, name or (STDIN_LABEL if is_stdin else None), workbook_limit=MAX_WORKBOOK_BYTES)
    path = None if is_stdin or isinstance(source, (bytes, bytearray, memoryview)) else Path(source)
    return data, path, label


def reread(loaded: Loaded, suppressed: tuple[int, int], options: ReadOptions | None = None) -> Loaded:
    """`loaded` with its funnel read again from its table (already in memory), for another suppressed
    range or other reading options (`options`; the layout and the not-available and zero tokens).

    `refresh` validates the new data before it opens the workbook, whose record then says the range
    and the tokens the report was made with.
    """
    options = options or loaded.options
    if tuple(suppressed) == loaded.suppressed and options == loaded.options:
        return loaded
    from xlplugin.inputs.csvinput import layout_of_table

    layout = layout_of_table(loaded.table, suppressed, options)
    return loaded._replace(
        funnel=layout.funnel,
        notes=tuple(layout.notes),
        disagreements=tuple(layout.disagreements),
        options=options,
        suppressed=(suppressed[0], suppressed[1]),
    )


def _kind(path: Path | None, data: bytes, fmt: str | None, label: str) -> str:
    """'spec', 'xlsx' or 'csv', from the bytes first (a pipe has no name), then the name."""
    looks_workbook = data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))
    if fmt == "xlsx" or looks_workbook:
        if fmt == "csv":
            raise InputError(Problem("--format csv, but this is an Excel workbook (a zip package)", label))
        return "xlsx"
    if fmt == "csv":
        return "csv"
    suffix = path.suffix.lower() if path is not None else ""
    if suffix == ".toml":
        return "spec"
    if suffix in _WORKBOOK_SUFFIXES:
        raise InputError(Problem("this file is named as a workbook but is not one (not a zip package)", label))
    if suffix in _CSV_SUFFIXES:
        return "csv"
    from xlplugin.inputs.spec import looks_like_spec

    return "spec" if looks_like_spec(data, label) else "csv"


def _load_data(
    data: bytes, path: Path | None, label: str, kind: str, suppressed: tuple[int, int], options: ReadOptions
) -> Loaded:
    from xlplugin.inputs.csvinput import layout_of_table

    table = _read_data_table(data, label, kind, options)
    layout = layout_of_table(table, suppressed, options)
    return Loaded(
        name=label,
        path=path,
        data=data,
        format=kind,
        table=table,
        funnel=layout.funnel,
        layout=layout.layout,
        notes=tuple(layout.notes),
        roles=dict(layout.roles),
        disagreements=tuple(layout.disagreements),
        options=options,
        suppressed=(suppressed[0], suppressed[1]),
    )


def _read_data_table(data: bytes, label: str, kind: str, options: ReadOptions) -> Table:
    """The bytes of a CSV or a workbook as a table of text; a workbook's sheet, table or range as chosen."""
    from xlplugin.inputs.csvinput import read_table

    if kind == "xlsx":
        from xlplugin.inputs.xlsxinput import read_workbook

        return read_workbook(data, label, sheet=options.sheet, table=options.table, cell_range=options.cell_range)
    for option, flag in ((options.sheet, "--sheet"), (options.table, "--table"), (options.cell_range, "--range")):
        if option is not None:  # (`refresh` spells them --input-sheet, --input-table, --input-range)
            also = flag.replace("--", "--input-")
            raise InputError(
                Problem(f"{flag} ({also}) chooses data in a workbook, but this is a CSV file", label, column=flag)
            )
    return read_table(data, label)


def _load_spec(data: bytes, path: Path | None, label: str, suppressed: tuple[int, int], options: ReadOptions) -> Loaded:
    from xlplugin.inputs.spec import _key_lines, check_claim_stages, parse_spec

    spec = parse_spec(data, path if path is not None else Path(STDIN), label)
    if spec.data is None:
        raise InputError(
            Problem("the spec has no 'data' key: add data = \"your-funnel.csv\" (relative to the spec)", label)
        )
    top_lines, _ = _key_lines(data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n"))
    if not spec.data.is_file():
        where = "is a folder, not a file" if spec.data.is_dir() else "does not exist"
        raise InputError(
            Problem(
                f"the data file '{spec.data}' named by 'data' {where} (the path is relative to the spec's folder)",
                label,
                top_lines.get("data"),
            )
        )
    inner_data, inner_label = read_bytes(spec.data, str(spec.data), workbook_limit=MAX_WORKBOOK_BYTES)
    kind = _kind(spec.data, inner_data, options.format, inner_label)
    if kind == "spec":
        raise InputError(
            Problem("'data' names another spec; it must name the funnel CSV or workbook", label, top_lines.get("data"))
        )
    inner = _load_data(inner_data, spec.data, inner_label, kind, suppressed, options)
    check_claim_stages(spec, inner.funnel, label)
    return inner._replace(spec=spec, spec_path=path)
