"""The command line as a user meets it: output, exit status and messages, start-up weight."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_xlplugin

from xlplugin import cli

DATA = Path(__file__).parent / "data" / "examples"
MET = DATA / "met-2020-visits.csv"
MET_SPEC = DATA / "met-2020-visits.toml"
PREVENT = DATA / "prevent-channel.csv"


def run(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "XLPLUGIN_DEBUG"}
    return run_xlplugin(*args, text=True, cwd=cwd, env=env)


def test_rates_text_founding_case():
    r = run("rates", MET)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "66.90% of Identified for a visit" in out
    assert "9.27% of Visited" in out and "7.30% to 11.70%" in out
    assert "6.2%" in out  # of the first stage
    assert "0.23 contacts per person in Visited (not a %)" in out
    assert "outside the funnel: no rate" in out


def test_rates_json_founding_case():
    r = run("rates", MET, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["confidence"] == 0.95 and doc["method"] == "wilson"
    (prog,) = doc["programmes"]
    assert prog["name"] is None
    st = {s["stage"]: s for s in prog["stages"]}
    assert st["Visited"]["rate"] == pytest.approx(0.669, abs=1e-12)
    i = st["Interested in diversion"]
    assert i["rate"] == pytest.approx(62 / 669, abs=1e-12)
    assert i["ci_lower"] == pytest.approx(0.072967430951, abs=1e-9)
    assert i["ci_upper"] == pytest.approx(0.117034919744, abs=1e-9)
    assert i["rate_of_first"] == pytest.approx(0.062, abs=1e-12)
    assert st["Follow-up engagements"]["flags"] == ["mixed_units"]
    c = st["Contacted police about diversion"]
    assert c["flags"] == ["outside_funnel"] and c["rate"] is None and c["base"] is None


def test_rates_options_and_spec_input():
    r = run("rates", MET_SPEC, "--json", "--confidence", "0.998", "--method", "exact")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["confidence"] == 0.998 and doc["method"] == "exact"
    r = run("rates", PREVENT, "--json")
    assert [p["name"] for p in json.loads(r.stdout)["programmes"]] == [
        "Year ending March 2019",
        "Year ending March 2020",
        "Year ending March 2021",
        "Year ending March 2024",
    ]


@pytest.mark.parametrize(
    "claim, expected",
    [
        ("12%", [(["Interested in diversion", "Contacted police about diversion"], "Visited", False)]),
        ("just over 6%", [(["Interested in diversion"], "Identified for a visit", True)]),
        ("9%", [(["Interested in diversion"], "Visited", True)]),
        ("one in 16", [(["Interested in diversion"], "Identified for a visit", True)]),
    ],
)
def test_claims_on_the_founding_case(claim, expected):
    r = run("claim", claim, MET, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    got = [(m["numerator"], m["denominator"], m["subset"]) for m in doc["matches"]]
    assert got == expected
    if claim == "12%":
        assert doc["matches"][0]["value"] == pytest.approx(82 / 669)
        assert (doc["low"], doc["high"]) == (0.115, 0.125)


def test_claim_text_output_says_not_a_subset():
    r = run("claim", "12%", MET)
    assert r.returncode == 0
    assert "12.26%" in r.stdout and "NOT a subset" in r.stdout


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0 and "rates" in r.stdout and "report" in r.stdout and "refresh" in r.stdout
    for cmd in ("rates", "claim", "report", "refresh", "excel-starter", "excel-setup"):
        r = run(cmd, "--help")
        assert r.returncode == 0 and "usage: xlplugin" in r.stdout, cmd
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("xlplugin ")


def test_help_and_rates_do_not_import_spreadsheet_libraries():
    code = (
        "import sys, io, contextlib\n"
        "from xlplugin.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main(['rates', {str(MET)!r}])\n"
        "heavy = [m for m in ('openpyxl', 'xlwings', 'xlsxwriter', 'scipy', 'numpy', 'trafilatura', 'pypdf', 'docx',"
        " 'lxml', 'xlplugin.articles') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


BAD = {
    "empty.csv": b"",
    "header-only.csv": b"stage,count\n",
    "negative.csv": b"stage,count\nA,10\nB,-1\n",
    "fractional.csv": b"stage,count\nA,10\nB,2.5\n",
    "text-count.csv": b"stage,count\nA,10\nB,lots\n",
    "unknown-base.csv": b"stage,count,base\nA,10,\nB,5,Nope\n",
    "circular.csv": b"stage,count,base\nA,10,B\nB,5,A\n",
    "duplicate.csv": b"stage,count\nA,10\nA,5\n",
    "above-base.csv": b"stage,count\nA,10\nB,11\n",
    "no-count-column.csv": b"stage,amount\nA,10\n",
    "random-bytes.csv": bytes(range(256)) * 4,
    "ragged.csv": b"stage,count\nA,10\nB,5,extra,more\n",
    "bad-rounding.csv": b"stage,count,rounding\nA,10,nearestish\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_exit_2_with_a_located_message(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BAD[name])
    before = sorted(p.name for p in tmp_path.iterdir())
    r = run("rates", path)
    assert r.returncode == 2, (name, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert name in r.stderr  # the message names the file
    if name not in ("empty.csv", "random-bytes.csv", "header-only.csv", "no-count-column.csv"):
        assert "line " in r.stderr and "column '" in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_missing_file_and_bad_options_exit_2(tmp_path):
    r = run("rates", tmp_path / "nope.csv")
    assert r.returncode == 2 and "nope.csv" in r.stderr and "Traceback" not in r.stderr
    r = run("rates", MET, "--confidence", "1.5")
    assert r.returncode == 2 and "confidence" in r.stderr
    r = run("claim", "lots of people", MET)
    assert r.returncode == 2 and "lots of people" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "spelling, method, heading",
    [("agresticoull", "agresti_coull", "Agresti-Coull"), ("Clopper-Pearson", "exact", "Clopper-Pearson")],
)
def test_method_aliases_come_from_the_one_registry(spelling, method, heading):
    """Issue 9: the CLI had its own list of methods; it now takes every spelling the core registers."""
    r = run("rates", MET, "--json", "--method", spelling)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["method"] == method
    r = run("rates", MET, "--method", spelling)
    assert r.returncode == 0 and f"CI ({heading})" in r.stdout, r.stdout
    r = run("rates", MET, "--method", "agresti")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """`xlplugin rates f.csv | head -1`: no "Broken pipe" message, exit 0."""
    import subprocess
    import sys

    csv = tmp_path / "f.csv"
    csv.write_text("stage,count\n" + "".join(f"S{i},{1000 - i}\n" for i in range(400)), encoding="utf-8")
    code = f"import sys; from xlplugin.cli import main; sys.exit(main(['rates', {str(csv)!r}]))"
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None
    p.stdout.readline()
    p.stdout.close()  # the reader goes away
    err = p.stderr.read().decode() if p.stderr else ""
    assert p.wait(timeout=120) == 0, err
    assert "Broken pipe" not in err and "nothing was written" not in err, err


ARGVS = [
    ["rates", "f.csv"],
    ["rates", "f.toml", "--json", "--method", "exact", "--confidence", "99%", "--suppressed", "1-3"],
    ["claim", "9%", "f.csv", "--programme", "2021"],
    ["check", "a.txt", "f.csv", "-o", "r.xlsx", "--force"],
    ["report", "f.csv", "-o", "r.ods", "--timestamp", "2021-06-17T00:00:00Z", "--publish", "--input-sheet", "S"],
    ["refresh", "r.xlsx", "-", "--input-format", "csv", "--table", "T", "--backup"],
    ["check-workbook", "r.xlsx", "--json"],
    ["excel-starter", "s.xlsm"],
    ["excel-setup", "--config", "x.conf"],
]


@pytest.mark.parametrize("argv", ARGVS, ids=lambda a: a[0])
def test_parser_of_one_command_reads_what_the_whole_parser_reads(argv):
    """main() adds only the named command's arguments (start-up); the reading must be the same."""
    lazy = cli.build_parser(cli._command_of(argv))
    assert cli._command_of(argv) == argv[0]
    assert vars(lazy.parse_args(argv)) == vars(cli.build_parser().parse_args(argv))
    assert lazy._subparsers is not None
    assert list(lazy._subparsers._group_actions[0].choices) == [argv[0]]  # that command alone
    assert len(cli.build_parser()._subparsers._group_actions[0].choices) == len(cli.COMMANDS) == 8


USAGE_ERRORS = [
    ["nonsense"],
    [],
    ["rates"],  # its input missing
    ["report", "f.csv", "--no-such-option"],
    ["-x", "rates", "f.csv"],  # an unknown top-level option: the top level's usage
    ["claim", "9%"],
    ["rates", "f.csv", "--method", "nonsense"],
]


@pytest.mark.parametrize("argv", [["--help"], *[[name, "--help"] for name in cli.COMMANDS], *USAGE_ERRORS])
def test_help_and_usage_errors_are_those_of_the_whole_parser(argv, capsys):
    def output(parser):
        with pytest.raises(SystemExit) as stop:
            parser.parse_args(argv)
        captured = capsys.readouterr()
        return stop.value.code, captured.out, captured.err

    lazy = output(cli.build_parser(cli._command_of(argv)))
    assert lazy == output(cli.build_parser())
    assert lazy[0] == (0 if argv and argv[-1] == "--help" else 2)
    assert "usage: xlplugin" in lazy[1] + lazy[2]
    if argv == ["--help"]:
        assert all(name in lazy[1] for name in cli.COMMANDS)


def _catalogue(messages: dict[str, str]) -> bytes:
    """A GNU .mo catalogue (the format gettext reads) of `messages`, its header entry first."""
    import struct

    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **messages}.items())
    n = len(entries)
    data_start = 28 + 16 * n  # the header, then the two tables of (length, offset)
    blob, tables = b"", {0: [], 1: []}
    for side in (0, 1):
        for entry in entries:
            text = entry[side].encode()
            tables[side] += [len(text), data_start + len(blob)]
            blob += text + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, 0)
    return header + struct.pack(f"<{4 * n}I", *tables[0], *tables[1]) + blob


def test_argparse_messages_come_from_the_catalogue_gettext_would_use(tmp_path, monkeypatch):
    import argparse
    import gettext

    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.mo").write_bytes(_catalogue({"usage: ": "utilisation : "}))
    monkeypatch.setenv("LANGUAGE", "fr")
    monkeypatch.setattr(argparse, "_", gettext.gettext)  # as argparse imports it
    monkeypatch.setattr(argparse, "ngettext", gettext.ngettext)
    assert gettext.gettext("usage: ") == "usage: "  # the machine's catalogues: none
    default = gettext.bindtextdomain("messages")
    gettext.bindtextdomain("messages", str(tmp_path))
    try:
        assert gettext.gettext("usage: ") == "utilisation : "  # gettext's own lookup finds it
        parser = cli.build_parser(only="rates")
        assert parser.format_usage().startswith("utilisation : xlplugin")
        assert argparse._("positional arguments") == "positional arguments"  # not in the catalogue
        assert argparse._("usage: ") == "utilisation : "
    finally:
        gettext.bindtextdomain("messages", default)
    monkeypatch.setattr(argparse, "_", gettext.gettext)
    assert cli.build_parser(only="rates").format_usage().startswith("usage: xlplugin")  # none found


def test_main_collects_less_often_while_it_runs_and_restores_the_collector(monkeypatch, capsys):
    import gc

    seen = []
    monkeypatch.setattr(cli, "_main", lambda argv: seen.append(gc.get_threshold()) or 0)
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        assert cli.main(["--version"]) == 0
        assert seen == [(cli.COLLECT_AFTER, 10, 10)] and gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(100_000, 5, 5)  # a caller's own higher threshold is kept
        assert cli.main(["--version"]) == 0
        assert seen[-1] == (100_000, 5, 5) and gc.get_threshold() == (100_000, 5, 5)
        gc.set_threshold(700, 10, 10)  # as the program (no argv): it ends with the process, so no collection on exit
        monkeypatch.setattr(sys, "argv", ["xlplugin", "--version"])
        assert cli.main() == 0
        assert gc.get_threshold() == (cli.COLLECT_AFTER, 10, 10)
    finally:
        gc.set_threshold(*before)
