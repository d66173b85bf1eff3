"""Session hooks: the libreoffice marker rule, and the ooxml-check gate (tests/ooxml_gate.py) over every
workbook the tests write."""

from __future__ import annotations

import lo_harness
import ooxml_gate
import pytest
import xdist_groups


@pytest.fixture(autouse=True)
def _libreoffice_marker(request: pytest.FixtureRequest):
    """Tell the harness whether the running test carries the libreoffice marker (it refuses to start soffice if not)."""
    lo_harness.CURRENT_TEST_MARKED = request.node.get_closest_marker("libreoffice") is not None
    yield
    lo_harness.CURRENT_TEST_MARKED = None


_recorder: ooxml_gate.Recorder | None = None
_worker_verdicts: list[dict] = []  # under pytest-xdist, in the controller: each worker's gate verdict


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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's default `--dist load`, but the modules in tests/xdist_groups.py each on one worker."""
    if config.getvalue("dist") in ("load", "loadgroup"):
        return xdist_groups.make_scheduler(config, log)
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist, in the controller: a worker has finished; keep the gate verdict it sent."""
    verdict = getattr(node, "workeroutput", {}).get("ooxml_gate")
    if verdict is not None:
        _worker_verdicts.append(verdict)


def pytest_sessionfinish(session, exitstatus) -> None:
    if _recorder is None:
        return
    _recorder.uninstall()
    own = _recorder.summary()
    _recorder.cleanup()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports for every worker
        workeroutput["ooxml_gate"] = own
        return
    verdict = ooxml_gate.merge([own, *_worker_verdicts])
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
    for line in ooxml_gate.report_lines(verdict):
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line)
    if verdict["problems"]:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
