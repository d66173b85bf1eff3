"""The GSS accessibility checker for spreadsheets (``python -m xlplugin.accessibility FILE``)."""

from xlplugin.accessibility.checker import CHECKS, Finding, check_workbook, load_workbook

__all__ = ["CHECKS", "Finding", "check_workbook", "load_workbook"]
