"""Running the accessibility checks on a workbook, and the ``python -m xlplugin.accessibility`` command.

The house: `model` (the workbook as the checks see it), `loader` (package -> model) and `rules`
(each check registered by name in `CHECKS`).
"""

from __future__ import annotations

import sys

from xlplugin.accessibility.loader import load_workbook
from xlplugin.accessibility.model import Finding
from xlplugin.accessibility.rules import CHECKS
from xlplugin.core.errors import InputError

__all__ = ["CHECKS", "Finding", "check_workbook", "load_workbook", "main"]


def check_workbook(path, checks=None) -> list[Finding]:
    """Run the named checks (default: all) on the workbook at `path`; [] means it passes.

    Raises InputError when the file is not a readable xlsx package.
    """
    from xlplugin.accessibility.ods import check_ods, is_ods, load_ods

    if is_ods(path):  # the same essentials, read from ODF (xlplugin.accessibility.ods)
        return [f for f in check_ods(load_ods(path)) if checks is None or f.check in checks]
    workbook = load_workbook(path)
    findings: list[Finding] = []
    for name in checks or CHECKS:
        findings.extend(CHECKS[name](workbook))
    return findings


def main(argv: list[str] | None = None) -> int:
    """``python -m xlplugin.accessibility FILE...``: print findings; exit 1 when any, 2 when unreadable."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m xlplugin.accessibility WORKBOOK.xlsx [...]", file=sys.stderr)
        return 2 if not args else 0
    status = 0
    for arg in args:
        try:
            findings = check_workbook(arg)
        except InputError as exc:
            print(f"{arg}: {exc}", file=sys.stderr)
            status = 2
            continue
        for finding in findings:
            print(f"{arg}: {finding}")
        if findings:
            status = max(status, 1)
        else:
            print(f"{arg}: passes all {len(CHECKS)} accessibility checks")
    return status


if __name__ == "__main__":
    sys.exit(main())
