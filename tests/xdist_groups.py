"""Which tests pytest-xdist must run on one worker, in turn: the scheduler `make check` uses.

pytest-xdist sends each test to whichever worker is free. That is wrong for two kinds of module:
those whose tests share an expensive module or session fixture (each worker would build it again),
and those that refresh the same committed workbooks in place (refresh locks its input, so two
workers refreshing one corpus file at once make one of them refuse). Such modules are listed here
with a group name; every test of a group's modules is one unit of work, so one worker runs them.
(xdist's own `--dist loadgroup` does the same from a marker, but does not work with pytest 9.)
"""

from __future__ import annotations

GROUPS = {
    "tests/test_hostile_bombs.py": "bombs",  # the bomb workbooks, three of 800 MB inflated
    "tests/test_refresh_table.py": "refresh-corpus",  # refreshes the 80 corpus workbooks (session fixture)
    "tests/test_refresh_replace.py": "refresh-corpus",  # refreshes corpus workbooks in place too
    "tests/test_udfs_officejs.py": "officejs",  # the Office.js add-in built once (module fixture)
}


def scope(nodeid: str) -> str:
    """The unit of work a test belongs to: its group, or the test alone."""
    module = nodeid.split("::", 1)[0]
    group = GROUPS.get(module)
    return f"group:{group}" if group else nodeid


def make_scheduler(config, log):
    """xdist's scope scheduler (a unit of work goes to one worker whole) with `scope` as the units."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupedScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid)

    return GroupedScheduling(config, log)
