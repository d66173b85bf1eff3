"""The Excel layer: the UPTAKE_* functions (exposed to xlwings as ``xlplugin.udfs``), Excel's
argument conventions, the starter workbook and the "Refresh from CSV" button."""
