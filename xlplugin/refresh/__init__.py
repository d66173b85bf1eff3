"""`xlplugin refresh`: bring a workbook up to date from a CSV, editing the package, not re-saving it.

- `refresh_table(workbook, csv, table, ...)`: any workbook; the CSV becomes the Excel table NAME.
- `refresh_workbook(workbook, csv, ...)`: a workbook made by `xlplugin report`; only what the
  report owns changes.
"""

from xlplugin.refresh.table import refresh_table


def refresh_workbook(workbook, csv, *, output=None, backup=False, force=False, prepared=None, read_options=None):
    """Refresh a report workbook (see xlplugin.refresh.report)."""
    from xlplugin.refresh.report import refresh_workbook as _refresh_workbook

    return _refresh_workbook(
        workbook, csv, output=output, backup=backup, force=force, prepared=prepared, read_options=read_options
    )


__all__ = ["refresh_table", "refresh_workbook"]
