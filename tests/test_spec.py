"""Report specs: the Met example loads; every bad spec is refused naming the file and the line."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from xlplugin.core.errors import InputError
from xlplugin.inputs.spec import ClaimSpec, ReportSpec, is_spec, load_input, load_input_table, load_spec

EXAMPLES = Path(__file__).parent / "data" / "examples"
MET_CSV = (EXAMPLES / "met-2020-visits.csv").read_bytes()


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "met.csv").write_bytes(MET_CSV)
    return tmp_path


def spec_file(folder: Path, body: str, name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def test_met_example_spec():
    spec = load_spec(EXAMPLES / "met-2020-visits.toml")
    assert isinstance(spec, ReportSpec)
    assert spec.title == "Met Police violence-suppression visits, 2020: uptake of diversion"
    assert spec.published == dt.date(2021, 6, 17)
    assert spec.source_url == "https://www.lbc.co.uk/news/met-police-anti-violence-scheme-only-62-offenders/"
    assert spec.publisher == "Metropolitan Police Service (FOI response), as reported by LBC"
    assert spec.foi_reference is None
    assert spec.contact.startswith("Metropolitan Police Service, Freedom of Information team")
    assert spec.next_update == "None planned: a one-off Freedom of Information response"
    assert spec.data == EXAMPLES / "met-2020-visits.csv"
    assert spec.path == EXAMPLES / "met-2020-visits.toml"
    assert spec.claims == (
        ClaimSpec("just over 6%", "LBC", ("Interested in diversion",), "Identified for a visit", 11),
        ClaimSpec("9%", "Metropolitan Police", ("Interested in diversion",), "Visited", 17),
        ClaimSpec("12%", "Metropolitan Police", None, None, 23),
    )


def test_load_input_from_spec_and_from_csv():
    funnel, spec, csv_path = load_input(EXAMPLES / "met-2020-visits.toml")
    assert csv_path == EXAMPLES / "met-2020-visits.csv"
    assert spec is not None and len(spec.claims) == 3
    assert [s.count.exact for s in funnel.programmes[0].stages] == [1000, 669, 156, 62, 20]

    funnel, spec, csv_path = load_input(EXAMPLES / "prevent-channel.csv")
    assert spec is None and csv_path == EXAMPLES / "prevent-channel.csv"
    assert len(funnel.programmes) == 4


def test_load_input_table_gives_the_csv_as_read():
    _funnel, _spec, _path, table = load_input_table(EXAMPLES / "met-2020-visits.toml")
    assert table.header == ["stage", "count", "base", "unit", "note"]
    assert table.rows[1][:2] == ["Visited", "669"]


def test_all_keys(folder):
    path = spec_file(
        folder,
        """
title = "  T  "
summary = "Two\\nlines"
publisher = "P"
published = 2021-06-17
foi_reference = "FOI-01/21"
source_url = "http://example.org/a?b=c"
source_name = "Example"
contact = "data@example.org"
next_update = 2026-01-31
data = "met.csv"

[[claims]]
text = "12%"
by = "Met"
numerator = ["Interested in diversion", "Contacted police about diversion"]
denominator = "Visited"
""",
    )
    funnel, spec, csv_path = load_input(path)
    assert (spec.title, spec.summary, spec.published, spec.next_update) == (
        "T",
        "Two\nlines",
        dt.date(2021, 6, 17),
        "2026-01-31",
    )
    assert (spec.foi_reference, spec.source_url, spec.contact) == (
        "FOI-01/21",
        "http://example.org/a?b=c",
        "data@example.org",
    )
    assert spec.claims[0].numerator == ("Interested in diversion", "Contacted police about diversion")
    assert csv_path == folder / "met.csv"


def test_data_is_relative_to_the_spec_not_the_working_directory(folder, monkeypatch):
    sub = folder / "specs"
    sub.mkdir()
    path = spec_file(sub, 'data = "../met.csv"\n')
    monkeypatch.chdir(Path("/"))
    _funnel, _spec, csv_path = load_input(path)
    assert csv_path == sub / "../met.csv"


def test_spec_recognised_by_content_when_not_named_toml(folder):
    path = spec_file(folder, 'title = "x"\ndata = "met.csv"\n', name="spec.cfg")
    assert is_spec(path)
    assert load_input(path)[1].title == "x"
    csv_like = folder / "funnel.dat"
    csv_like.write_bytes(MET_CSV)
    assert not is_spec(csv_like)
    assert load_input(csv_like)[1] is None


def test_empty_values_are_left_out(folder):
    spec = load_spec(spec_file(folder, 'title = ""\ncontact = "   "\n'))
    assert (spec.title, spec.contact, spec.claims, spec.data) == (None, None, (), None)


# --------------------------------------------------------------------------------------------
# bad specs: (label, spec text, expected line, words in the message)

BAD_SPECS = [
    (
        "unknown key",
        'title = "x"\ntitel = "y"\ndata = "met.csv"\n',
        2,
        "unknown key 'titel' in a report spec (did you mean 'title'?)",
    ),
    ("unknown table", 'data = "met.csv"\n[meta]\nx = 1\n', 2, "unknown key 'meta'"),
    (
        "unknown claim key",
        'data = "met.csv"\n[[claims]]\ntext = "9%"\nby = "Met"\nnumerater = "Visited"\n',
        5,
        "unknown key 'numerater' in claim 1 (did you mean 'numerator'?)",
    ),
    ("TOML syntax error", 'title = "x"\ndata = met.csv\n', 2, "not valid TOML: invalid value"),
    (
        "unterminated string",
        'title = "x\ndata = "met.csv"\n',
        1,
        "not valid TOML: a quoted text is not closed before the end of the line",
    ),
    ("bad date", 'published = "17/06/2021"\ndata = "met.csv"\n', 1, "'published' must be a date written YYYY-MM-DD"),
    ("impossible date", 'published = "2021-02-30"\ndata = "met.csv"\n', 1, "'published' must be a date"),
    (
        "javascript url",
        'source_url = "javascript:alert(1)"\ndata = "met.csv"\n',
        1,
        "'source_url' must be a web address starting http:// or https://",
    ),
    ("file url", 'data = "met.csv"\nsource_url = "file:///etc/passwd"\n', 2, "'source_url' must be a web address"),
    (
        "number as title",
        'title = 2021\ndata = "met.csv"\n',
        1,
        "'title' must be text in double quotes, not a number (2021)",
    ),
    (
        "control character",
        'title = "a\\u0007b"\ndata = "met.csv"\n',
        1,
        "'title' contains the invisible control character U+0007",
    ),
    ("claim without text", 'data = "met.csv"\n[[claims]]\nby = "Met"\n', 2, "claim 1 has no 'text'"),
    ("claim without by", 'data = "met.csv"\n[[claims]]\ntext = "9%"\n', 2, "claim 1 ('9%') has no 'by'"),
    (
        "unreadable claim",
        'data = "met.csv"\n\n[[claims]]\ntext = "quite a lot"\nby = "Met"\n',
        4,
        "claim 1 ('quite a lot'): cannot read the claim",
    ),
    (
        "numerator without denominator",
        'data = "met.csv"\n[[claims]]\ntext = "9%"\nby = "Met"\nnumerator = "Visited"\n',
        2,
        "gives a numerator but no denominator",
    ),
    (
        "numerator of numbers",
        'data = "met.csv"\n[[claims]]\ntext = "9%"\nby = "M"\nnumerator = [62]\ndenominator = "Visited"\n',
        5,
        "'numerator' must be a stage name in quotes, or a list of them",
    ),
    ("claims not tables", 'data = "met.csv"\nclaims = ["9%"]\n', 2, "'claims' must be a list of [[claims]] tables"),
]


@pytest.mark.parametrize("case", BAD_SPECS, ids=[c[0] for c in BAD_SPECS])
def test_bad_spec_is_refused_naming_file_and_line(folder, case):
    label, body, line, words = case
    path = spec_file(folder, body)
    with pytest.raises(InputError) as err:
        load_input(path)
    problem = err.value.problems[0]
    assert problem.file == str(path)
    assert problem.line == line, problem
    assert words in problem.message, problem.message


def test_toml_syntax_error_has_line_and_column(folder):
    path = spec_file(folder, 'title = "x"\n\ndata = met.csv\n')
    with pytest.raises(InputError) as err:
        load_spec(path)
    assert str(err.value).startswith(f"{path}, line 3, column '8': not valid TOML: invalid value")


def test_every_spec_problem_is_listed(folder):
    path = spec_file(folder, 'titel = "x"\npublished = "soon"\nsource_url = "ftp://x"\n')
    with pytest.raises(InputError) as err:
        load_spec(path)
    assert [p.line for p in err.value.problems] == [1, 2, 3]


def test_missing_data_file(folder):
    path = spec_file(folder, 'title = "x"\ndata = "gone.csv"\n')
    with pytest.raises(InputError) as err:
        load_input(path)
    assert str(err.value) == (
        f"{path}, line 2: the data file '{folder / 'gone.csv'}' named by 'data' does not exist "
        "(the path is relative to the spec's folder)"
    )


def test_data_is_a_folder(folder):
    (folder / "sub").mkdir()
    with pytest.raises(InputError, match="is a folder, not a file"):
        load_input(spec_file(folder, 'data = "sub"\n'))


def test_no_data_key(folder):
    path = spec_file(folder, 'title = "x"\n')
    with pytest.raises(InputError, match="the spec has no 'data' key"):
        load_input(path)
    assert load_spec(path).data is None  # a spec alone is fine; load_input needs the data


def test_claim_naming_an_unknown_stage(folder):
    path = spec_file(
        folder,
        'data = "met.csv"\n\n[[claims]]\ntext = "9%"\nby = "Met"\n\n[[claims]]\ntext = "9%"\nby = "Met"\n'
        'numerator = "Interested in diversion"\ndenominator = "visited"\n',
    )
    with pytest.raises(InputError) as err:
        load_input(path)
    (problem,) = err.value.problems
    assert (problem.file, problem.line) == (str(path), 7)
    assert problem.message.startswith(
        f"claim 2 ('9%') names the stage 'visited', which is not in {folder / 'met.csv'} (did you mean 'Visited'?)"
    )


def test_claim_stages_must_share_a_programme(tmp_path):
    shutil.copy(EXAMPLES / "prevent-channel.csv", tmp_path / "p.csv")
    (tmp_path / "p2.csv").write_text("programme,stage,count\nA,Referred,10\nB,Adopted,5\n")
    ok = spec_file(
        tmp_path,
        'data = "p.csv"\n[[claims]]\ntext = "about 10%"\nby = "HO"\n'
        'numerator = "Adopted as a Channel case"\ndenominator = "Referred to Prevent"\n',
    )
    assert load_input(ok)[1].claims[0].denominator == "Referred to Prevent"
    bad = spec_file(
        tmp_path,
        'data = "p2.csv"\n[[claims]]\ntext = "half"\nby = "HO"\nnumerator = "Adopted"\ndenominator = "Referred"\n',
        "bad.toml",
    )
    with pytest.raises(InputError, match=r"claim 1 \('half'\): no single programme has all of 'Adopted', 'Referred'"):
        load_input(bad)


def test_bad_csv_behind_a_spec_names_the_csv(folder):
    (folder / "neg.csv").write_text("stage,count\nA,10\nB,-2\n")
    with pytest.raises(InputError) as err:
        load_input(spec_file(folder, 'data = "neg.csv"\n'))
    problem = err.value.problems[0]
    assert (problem.file, problem.line, problem.column) == (str(folder / "neg.csv"), 3, "count")


def test_spec_not_utf8(folder):
    path = folder / "latin.toml"
    path.write_bytes('title = "Café"\n\nsummary = "Ça"\n'.encode("cp1252"))
    with pytest.raises(InputError) as err:
        load_spec(path)
    assert (err.value.problems[0].line, err.value.problems[0].file) == (1, str(path))
    assert "a TOML file must be UTF-8" in str(err.value)


def test_spec_with_bom_and_crlf(folder):
    path = folder / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbftitle = "x"\r\ndata = "met.csv"\r\n')
    assert load_input(path)[1].title == "x"


def test_missing_spec_file(tmp_path):
    with pytest.raises(InputError, match="nothing.toml: file not found"):
        load_input(tmp_path / "nothing.toml")
