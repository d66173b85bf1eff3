"""The report spec: what a CSV cannot hold (title, source, date, the claims to check), in TOML.

A spec is written by hand, so it is read strictly: an unknown key is an error with the
nearest known key as a hint (a misspelt `foi_refrence` silently dropped from a published
cover would be worse than a refusal), and every message names the spec file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from xlplugin.core.counts import DEFAULT_SUPPRESSED
from xlplugin.core.errors import InputError, Problem
from xlplugin.core.funnel import Funnel
from xlplugin.core.lazyre import lazy
from xlplugin.core.record import NamedTuple
from xlplugin.inputs.csvinput import CONTROL_CHARACTERS, MAX_FIELD_CHARS, Table, decode, read_bytes

TYPE_CHECKING = False  # not typing's: importing typing would cost more than it saves
if TYPE_CHECKING:  # datetime and difflib are imported where used: `rates data.csv` never needs them
    import datetime as dt

#: Top-level keys of a spec (PRODUCT.md, "A report spec").
TEXT_KEYS = ("title", "summary", "publisher", "foi_reference", "source_name", "contact")
SPEC_KEYS = (
    "title", "summary", "publisher", "published", "foi_reference", "source_url",
    "source_name", "contact", "next_update", "data", "claims",
)  # fmt: skip
CLAIM_KEYS = ("text", "by", "numerator", "denominator", "programme", "from", "to")
#: A claim's keys that name a programme (or period) of the data, and the ClaimSpec field each fills.
CLAIM_PROGRAMME_KEYS = {"programme": "programme", "from": "from_programme", "to": "to_programme"}
#: A spec is a page of text; this only stops a wrong file being parsed.
MAX_SPEC_BYTES = 1024 * 1024
#: Excel refuses hyperlinks longer than this.
MAX_URL_CHARS = 2079

_ISO_DATE_RE = lazy(r"\d{4}-\d{2}-\d{2}")


class ClaimSpec(NamedTuple):
    """A published claim to check, and optionally the definition its author says they used."""

    text: str
    by: str
    numerator: tuple[str, ...] | None = None
    denominator: str | None = None
    line: int | None = None  # where its [[claims]] table starts in the spec
    programme: str | None = None  # the programme (or period) the claim is about
    from_programme: str | None = None  # a change: from this programme (default: the one before `to`)
    to_programme: str | None = None  # a change: to this programme (default: the last)


class ReportSpec(NamedTuple):
    """Everything optional except what is given; missing keys are None (left off the cover)."""

    title: str | None = None
    summary: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    foi_reference: str | None = None
    source_url: str | None = None
    source_name: str | None = None
    contact: str | None = None
    next_update: str | None = None
    data: Path | None = None  # the CSV, already resolved against the spec's folder
    claims: tuple[ClaimSpec, ...] = ()
    path: Path | None = None


# --------------------------------------------------------------------------------------------
# where keys are, for messages (tomllib keeps no positions)

_HEADER_RE = lazy(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY_RE = lazy(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*=""")


def _key_lines(text: str) -> tuple[dict[str, int], list[tuple[int, dict[str, int]]]]:
    """Line of each top-level key, and of each [[claims]] table and its keys (first occurrence).

    A line scan, not a parser: good enough to point at a line in a hand-written file.
    """
    top: dict[str, int] = {}
    claims: list[tuple[int, dict[str, int]]] = []
    current: dict[str, int] | None = top
    for number, line in enumerate(text.split("\n"), start=1):
        header = _HEADER_RE.match(line)
        if header:
            name = header.group(2).strip().strip('"')
            if header.group(1) == "[[" and name == "claims":
                claims.append((number, {}))
                current = claims[-1][1]
            else:
                top.setdefault(name.split(".")[0], number)
                current = None
            continue
        key = _KEY_RE.match(line)
        if key and current is not None:
            current.setdefault(next(g for g in key.groups() if g), number)
    return top, claims


# --------------------------------------------------------------------------------------------


def load_spec(path: str | Path) -> ReportSpec:
    """Read and validate a report spec. Raises InputError naming the file and line."""
    data, label = read_bytes(path, str(path))
    return parse_spec(data, Path(path), label)


def parse_spec(data: bytes, path: Path, label: str) -> ReportSpec:
    """A report spec from its bytes (already read once); `data` is resolved against `path`'s folder."""
    if len(data) > MAX_SPEC_BYTES:
        raise InputError(
            Problem(f"a report spec is a page of text; this file is over {MAX_SPEC_BYTES // 1024} KB", label)
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            Problem("a TOML file must be UTF-8; save it again as UTF-8 (byte not valid UTF-8 here)", label, line)
        ) from None
    text = text.replace("\r\n", "\n")
    import tomllib  # here, not at the top: reading a plain CSV should not pay for it

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(_toml_problem(exc, label)) from None
    return _validate(raw, text, path, label)


def _toml_problem(exc: ValueError, label: str) -> Problem:
    message = str(exc)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    line = column = None
    if m:
        line, column = int(m.group(1)), m.group(2)
        message = message[: m.start()]
    elif message.endswith("(at end of document)"):
        message = message[: -len("(at end of document)")].strip() + " at the end of the file"
    if message == "Illegal character '\\n'":
        message = (
            'a quoted text is not closed before the end of the line (use triple quotes """...""" for several lines)'
        )
    return Problem(
        f"not valid TOML: {message[0].lower() + message[1:] if message else 'syntax error'} "
        '(text values go in double quotes: title = "...")',
        label,
        line,
        column,
    )


def _validate(raw: dict, text: str, path: Path, label: str) -> ReportSpec:
    import datetime as dt

    top_lines, claim_lines = _key_lines(text)
    problems: list[Problem] = []

    def problem(message: str, line: int | None = None) -> None:
        problems.append(Problem(message, label, line))

    for key in raw:
        if key not in SPEC_KEYS:
            problem(_unknown_key_message(key, SPEC_KEYS, "a report spec"), top_lines.get(key))

    values: dict = {}
    for key in TEXT_KEYS:
        if key in raw:
            values[key] = _text(raw[key], key, top_lines.get(key), problem)

    if "published" in raw:
        values["published"] = _date(raw["published"], "published", top_lines.get("published"), problem)
    if "next_update" in raw:
        value = raw["next_update"]
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            values["next_update"] = value.isoformat()
        else:
            values["next_update"] = _text(value, "next_update", top_lines.get("next_update"), problem)
    if "source_url" in raw:
        values["source_url"] = _url(raw["source_url"], top_lines.get("source_url"), problem)
    if "data" in raw:
        data = _text(raw["data"], "data", top_lines.get("data"), problem)
        if data:
            values["data"] = path.parent / data

    claims: list[ClaimSpec] = []
    if "claims" in raw:
        entries = raw["claims"]
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            problem("'claims' must be a list of [[claims]] tables, each with text = and by =", top_lines.get("claims"))
        else:
            for number, entry in enumerate(entries, start=1):
                line, lines = claim_lines[number - 1] if number <= len(claim_lines) else (None, {})
                claim = _claim(entry, number, line, lines, problem)
                if claim is not None:
                    claims.append(claim)

    if problems:
        raise InputError(problems)
    return ReportSpec(**values, claims=tuple(claims), path=path)


def _unknown_key_message(key: str, known: tuple[str, ...], where: str) -> str:
    import difflib

    near = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    return f"unknown key '{key}' in {where}{hint}; the keys are: {', '.join(known)}"


def _text(value, key: str, line: int | None, problem) -> str | None:
    """Text as written, or None when empty; refuses non-text, control characters, over-long text."""
    if not isinstance(value, str):
        problem(f"'{key}' must be text in double quotes, not {_kind(value)}", line)
        return None
    value = value.strip()
    bad = CONTROL_CHARACTERS.search(value.replace("\n", " ").replace("\t", " "))
    if bad:
        problem(f"'{key}' contains the invisible control character U+{ord(bad.group()):04X}; delete it", line)
        return None
    if len(value) > MAX_FIELD_CHARS:
        problem(f"'{key}' is {len(value):,} characters; Excel's cell limit is {MAX_FIELD_CHARS:,}", line)
        return None
    return value or None


def _kind(value) -> str:
    import datetime as dt

    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, (dt.date, dt.time)):
        return f"a date/time ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _date(value, key: str, line: int | None, problem) -> dt.date | None:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE_RE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    problem(f"'{key}' must be a date written YYYY-MM-DD (e.g. 2021-06-17), not {value!r}", line)
    return None


def _url(value, line: int | None, problem) -> str | None:
    from urllib.parse import urlsplit

    url = _text(value, "source_url", line, problem)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
        problem(
            f"'source_url' must be a web address starting http:// or https:// (without spaces), not '{url}'",
            line,
        )
        return None
    if len(url) > MAX_URL_CHARS:
        problem(f"'source_url' is {len(url):,} characters; Excel's limit for a link is {MAX_URL_CHARS:,}", line)
        return None
    return url


def _claim(entry: dict, number: int, line: int | None, lines: dict[str, int], problem) -> ClaimSpec | None:
    from xlplugin.core.claims import ClaimError, parse_claim  # only specs with claims pay for the parser

    errors: list[tuple[str, int | None]] = []
    label = f"claim {number}"

    def claim_problem(message: str, key: str | None = None) -> None:
        errors.append((message, lines.get(key, line) if key else line))

    def required_text(key: str, example: str) -> str | None:
        if key not in entry:
            claim_problem(f"{label} has no '{key}': {example}")
            return None
        before = len(errors)
        value = _text(entry[key], key, lines.get(key, line), lambda m, ln: errors.append((f"{label}: {m}", ln)))
        if value is None and len(errors) == before:
            claim_problem(f"{label}: '{key}' is empty; {example}", key)
        return value

    for key in entry:
        if key not in CLAIM_KEYS:
            claim_problem(_unknown_key_message(key, CLAIM_KEYS, label), key)
    text = required_text("text", 'the claim as published, e.g. text = "9%"')
    if text:
        label = f"claim {number} ('{text}')"
        try:
            parse_claim(text)
        except ClaimError as exc:
            claim_problem(f"{label}: {exc}", "text")
    by = required_text("by", 'who made the claim, e.g. by = "Metropolitan Police"')

    numerator = entry.get("numerator")
    if numerator is not None:
        stages = [numerator] if isinstance(numerator, str) else numerator
        if not isinstance(stages, list) or not stages or not all(isinstance(s, str) and s.strip() for s in stages):
            claim_problem(
                f"{label}: 'numerator' must be a stage name in quotes, or a list of them "
                '(numerator = ["Interested", "Self-referred"])',
                "numerator",
            )
            numerator = None
        else:
            numerator = tuple(s.strip() for s in stages)
    denominator = entry.get("denominator")
    if denominator is not None:
        if not isinstance(denominator, str) or not denominator.strip():
            claim_problem(f"{label}: 'denominator' must be one stage name in quotes", "denominator")
            denominator = None
        else:
            denominator = denominator.strip()
    if ("numerator" in entry) != ("denominator" in entry):
        missing = "denominator" if "numerator" in entry else "numerator"
        claim_problem(
            f"{label} gives a {'numerator' if missing == 'denominator' else 'denominator'} but no {missing}: give "
            "both, or neither"
        )

    programmes: dict[str, str | None] = {}
    for key, field_name in CLAIM_PROGRAMME_KEYS.items():
        value = entry.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # programme = 2019
        if value is not None and (not isinstance(value, str) or not value.strip()):
            claim_problem(f"{label}: '{key}' must be a programme (or year) name in quotes, e.g. {key} = \"2019\"", key)
            value = None
        programmes[field_name] = value.strip() if isinstance(value, str) else None

    for message, where in errors:
        problem(message, where)
    if errors:
        return None
    return ClaimSpec(text, by, numerator, denominator, line, **programmes)


# --------------------------------------------------------------------------------------------


def load_input(
    path: str | Path, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED
) -> tuple[Funnel, ReportSpec | None, Path]:
    """A funnel CSV or a TOML spec naming one: (funnel, spec or None, the CSV actually read)."""
    funnel, spec, csv_path, _table = load_input_table(path, suppressed)
    return funnel, spec, csv_path


def load_input_table(
    path: str | Path, suppressed: tuple[int, int] = DEFAULT_SUPPRESSED
) -> tuple[Funnel, ReportSpec | None, Path, Table]:
    """`load_input`, also returning the data as a `Table` (kept for callers; new code uses `load`)."""
    from xlplugin.inputs.loader import load

    loaded = load(path, suppressed=suppressed)
    return loaded.funnel, loaded.spec, loaded.path or Path(path), loaded.table


def is_spec(path: str | Path) -> bool:
    """A `.toml` file is a spec; a `.csv`/`.tsv`/`.txt` is data; anything else is judged by content."""
    suffix = Path(path).suffix.lower()
    if suffix == ".toml":
        return True
    if suffix in (".csv", ".tsv", ".txt", ".tab", ".xlsx", ".xlsm"):
        return False
    try:
        data, label = read_bytes(path, str(path))
    except InputError:
        return False
    return looks_like_spec(data, label)


def looks_like_spec(data: bytes, label: str) -> bool:
    """Bytes (of a file without a telling name) that are TOML with a spec's keys."""
    import tomllib

    try:
        text, _encoding = decode(data, label)
        raw = tomllib.loads(text)
    except (InputError, tomllib.TOMLDecodeError, UnicodeError):
        return False
    return bool(raw) and any(key in SPEC_KEYS for key in raw)


def check_claim_stages(spec: ReportSpec, funnel: Funnel, label: str) -> None:
    """Every stage a claim names exists, numerator and denominator within one programme."""
    problems = []
    names = [p.name for p in funnel.programmes]
    for number, claim in enumerate(spec.claims, start=1):
        for key, field_name in CLAIM_PROGRAMME_KEYS.items():
            wanted_programme = getattr(claim, field_name, None)
            if wanted_programme is not None and wanted_programme not in names:
                known = ", ".join(f"'{n}'" for n in names if n) or "none (the data has one, unnamed)"
                problems.append(
                    Problem(
                        f"claim {number} ('{claim.text}') names the {key} '{wanted_programme}', which is not in "
                        f"{funnel.source or 'the data'}; programmes are {known}",
                        label,
                        claim.line,
                    )
                )
        if claim.numerator is None or claim.denominator is None:
            continue
        wanted = list(claim.numerator) + [claim.denominator]
        if any(all(p.has_stage(s) for s in wanted) for p in funnel.programmes):
            continue
        everywhere = [s for p in funnel.programmes for s in (st.name for st in p.stages)]
        missing = [s for s in dict.fromkeys(wanted) if s not in everywhere]
        name = f"claim {number} ('{claim.text}')"
        if missing:
            import difflib

            for stage in missing:
                near = difflib.get_close_matches(stage, list(dict.fromkeys(everywhere)), n=1, cutoff=0.6)
                same_case = [s for s in everywhere if s.lower() == stage.lower()]
                hint = same_case[:1] or near
                hint_text = f" (did you mean '{hint[0]}'?)" if hint else ""
                known = ", ".join(f"'{s}'" for s in dict.fromkeys(everywhere))
                problems.append(
                    Problem(
                        f"{name} names the stage '{stage}', which is not in {funnel.source or 'the data'}"
                        f"{hint_text}; stages are {known}",
                        label,
                        claim.line,
                    )
                )
        else:
            problems.append(
                Problem(
                    f"{name}: no single programme has all of {', '.join(repr(s) for s in wanted)}",
                    label,
                    claim.line,
                )
            )
    if problems:
        raise InputError(problems)


# --------------------------------------------------------------------------------------------
# the spec as recorded inside a report workbook, so a refresh from a CSV keeps title and claims

_TEXT_FIELDS = ("title", "summary", "publisher", "foi_reference", "source_url", "source_name", "contact", "next_update")


def spec_as_record(spec: ReportSpec) -> dict:
    """The spec's content as plain JSON values (no file paths: the workbook may travel)."""
    record: dict = {k: getattr(spec, k) for k in _TEXT_FIELDS if getattr(spec, k) is not None}
    if spec.published is not None:
        record["published"] = spec.published.isoformat()
    if spec.claims:
        record["claims"] = [
            {
                "text": c.text,
                "by": c.by,
                **({"numerator": list(c.numerator)} if c.numerator is not None else {}),
                **({"denominator": c.denominator} if c.denominator is not None else {}),
                **{
                    key: getattr(c, field_name)
                    for key, field_name in CLAIM_PROGRAMME_KEYS.items()
                    if getattr(c, field_name) is not None
                },
            }
            for c in spec.claims
        ]
    return record


def spec_from_record(record: object, label: str) -> ReportSpec:
    """Inverse of `spec_as_record`; a damaged record is an InputError, never a crash."""
    import datetime as dt

    def damaged(why: str) -> InputError:
        return InputError(
            Problem(
                f"the report spec recorded in this workbook is damaged ({why}); refresh with the spec (.toml) instead",
                label,
            )
        )

    if not isinstance(record, dict):
        raise damaged("not a table of keys")
    values: dict = {}
    found: list[str] = []

    def problem(message: str, line: int | None = None) -> None:
        found.append(message)

    for key in _TEXT_FIELDS:
        value = record.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise damaged(f"'{key}' is not text")
            # the same checks as a spec file's (http(s) links only, no control characters, lengths)
            checked = _url(value, None, problem) if key == "source_url" else _text(value, key, None, problem)
            if found:
                raise damaged(found[0])
            values[key] = checked
    if record.get("published") is not None:
        try:
            values["published"] = dt.date.fromisoformat(str(record["published"]))
        except ValueError:
            raise damaged("'published' is not a date") from None
    claims = []
    for item in record.get("claims") or []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not isinstance(item.get("by"), str):
            raise damaged("a claim has no text or no author")
        numerator = item.get("numerator")
        if numerator is not None and not (isinstance(numerator, list) and all(isinstance(n, str) for n in numerator)):
            raise damaged("a claim's numerator is not a list of stage names")
        denominator = item.get("denominator")
        if denominator is not None and not isinstance(denominator, str):
            raise damaged("a claim's denominator is not a stage name")
        programmes: dict[str, Any] = {}  # ClaimSpec's programme fields, by name
        for key, field_name in CLAIM_PROGRAMME_KEYS.items():
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                raise damaged(f"a claim's {key} is not a programme name")
            programmes[field_name] = value
        claims.append(
            ClaimSpec(item["text"], item["by"], tuple(numerator) if numerator else None, denominator, **programmes)
        )
    return ReportSpec(**values, claims=tuple(claims))
