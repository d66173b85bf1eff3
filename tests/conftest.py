"""Session hooks: the libreoffice marker rule, and the ooxml-check gate (tests/ooxml_gate.py) over every
workbook the tests write."""

from __future__ import annotations

import lo_harness
import ooxml_gate
import pytest


@pytest.fixture(autouse=True)
def _libreoffice_marker(request: pytest.FixtureRequest):
    """Tell the harness whether the running test carries the libreoffice marker (it refuses to start soffice if not)."""
    lo_harness.CURRENT_TEST_MARKED = request.node.get_closest_marker("libreoffice") is not None
    yield
    lo_harness.CURRENT_TEST_MARKED = None


_recorder: ooxml_gate.Recorder | None = None


def pytest_configure(config) -> None:
    global _recorder
    config.addinivalue_line("markers", "ooxml_gate_exempt: writes junk on purpose; not checked by the ooxml gate")
    if ooxml_gate.active():
        _recorder = ooxml_gate.Recorder()
        _recorder.install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):  # setup (fixtures write workbooks too), call and teardown
    if _recorder is not None:  # through the environment: child processes the test runs are gated too
        _recorder.test = item.nodeid
        _recorder.set_exempt(item.get_closest_marker("ooxml_gate_exempt") is not None)
    return (yield)


def pytest_sessionfinish(session, exitstatus) -> None:
    if _recorder is None:
        return
    _recorder.uninstall()
    checked, problems = _recorder.verdict()
    _recorder.cleanup()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    runs = getattr(_recorder, "checker_runs", checked)
    lines = [
        f"ooxml-check gate: {checked} workbooks written by the tests (and the processes they ran) checked "
        f"({runs} distinct), {len(problems)} introduced error(s)"
    ]
    lines += problems[:200]
    known = getattr(_recorder, "known", [])
    if known:
        lines.append(f"ooxml-check gate: {len(known)} finding(s) of known defects (tests/ooxml_gate.py KNOWN_DEFECTS):")
        lines += known[:50]
    if reporter is not None:
        reporter.ensure_newline()
    for line in lines:
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line)
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
