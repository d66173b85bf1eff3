"""The forked runner (tests/cli_runner.py) gives what a fresh `python -m xlplugin.cli` gives.

Why: some 300 tests read the command's exit status and output through the runner; if it drifted
from a real process (streams, exit status, working folder, standard input, environment) they
would test the runner instead of the command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_xlplugin

MET = Path(__file__).parent / "data" / "examples" / "met-2020-visits.csv"
CSV = "stage,count,base\nReferred,100,\nSeen,40,Referred\n"


def _fresh(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xlplugin.cli", *map(str, args)], capture_output=True, **kwargs)


CASES = {
    "rates": ((("rates", MET),), {}),
    "rates --json": ((("rates", MET, "--json"),), {}),
    "bad input, exit 2": ((("rates", "no-such-file.csv"),), {}),
    "usage error, exit 2": ((("rates", MET, "--method", "nonsense"),), {}),
    "help, exit 0": ((("rates", "--help"),), {}),
    "standard input": ((("rates", "-"),), {"input": CSV.encode()}),
    "text mode": ((("claim", "40%", MET),), {"text": True}),
}


@pytest.mark.parametrize("case", CASES)
def test_forked_run_is_a_fresh_process_run(case):
    (args,), options = CASES[case]
    forked, fresh = run_xlplugin(*args, **options), _fresh(*args, **options)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)
    assert forked.stdout or forked.stderr  # not vacuous: each case prints something


def test_working_folder_and_environment_are_the_childs_own(tmp_path):
    (tmp_path / "f.csv").write_text(CSV, encoding="utf-8")
    before = (os.getcwd(), os.environ.get("XLPLUGIN_RUNNER_PROBE"))
    env = dict(os.environ, XLPLUGIN_RUNNER_PROBE="1")
    done = run_xlplugin("rates", "f.csv", "--json", cwd=tmp_path, env=env, text=True)
    assert done.returncode == 0, done.stderr
    assert '"count": 40' in done.stdout
    assert (os.getcwd(), os.environ.get("XLPLUGIN_RUNNER_PROBE")) == before  # the test process is untouched


@pytest.mark.parametrize(
    "body, status, shown",
    [
        ("raise RuntimeError('boom')", 1, "RuntimeError: boom"),
        ("raise SystemExit('a message')", 1, "a message"),
        ("raise SystemExit(3)", 3, ""),
        ("import sys; sys.stdout.write('out'); sys.exit()", 0, ""),
    ],
)
def test_exit_status_and_stderr_of_a_module_as_python_m_gives_them(tmp_path, monkeypatch, body, status, shown):
    (tmp_path / "runner_probe.py").write_text(body + "\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    forked = run_xlplugin(module="runner_probe", text=True)
    fresh = subprocess.run([sys.executable, "-m", "runner_probe"], capture_output=True, text=True, cwd=tmp_path)
    assert forked.returncode == fresh.returncode == status
    assert shown in forked.stderr and shown in fresh.stderr
    assert forked.stdout == fresh.stdout
    if status == 1 and "Error" in shown:
        assert "Traceback (most recent call last)" in forked.stderr


def test_a_startup_variable_starts_a_real_interpreter():
    env = dict(os.environ, PYTHONIOENCODING="latin-1")
    done = run_xlplugin("rates", MET, env=env)
    assert done.returncode == 0
    assert "Visited" in done.stdout.decode("latin-1")


def test_memory_limit_is_counted_from_what_the_child_starts_with(tmp_path, monkeypatch):
    (tmp_path / "runner_hog.py").write_text(
        "import sys\nblock = bytearray(int(sys.argv[1]))\nprint(len(block))\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    small = run_xlplugin(str(50 * 2**20), module="runner_hog", text=True, memory_limit=500 * 2**20)
    assert small.returncode == 0 and small.stdout.strip() == str(50 * 2**20), small.stderr
    big = run_xlplugin(str(2 * 2**30), module="runner_hog", text=True, memory_limit=500 * 2**20)
    assert big.returncode == 1 and "MemoryError" in big.stderr


def test_a_child_past_its_timeout_is_killed_and_timeout_expired_raised(tmp_path, monkeypatch):
    (tmp_path / "runner_sleeper.py").write_text("import time\ntime.sleep(60)\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(subprocess.TimeoutExpired) as stop:
        run_xlplugin(module="runner_sleeper", timeout=0.5)
    assert stop.value.timeout == 0.5
