"""The module users name in xlwings (``UDF Modules = xlplugin.udfs``): the UPTAKE_* functions.

They live in :mod:`xlplugin.excel.functions`; this name is the stable one that workbooks, the
xlwings configuration and xlwings Lite/Server refer to.
"""

from xlplugin.excel.functions import (
    UPTAKE_BOUNDS,
    UPTAKE_CASES,
    UPTAKE_CHECK,
    UPTAKE_CI,
    UPTAKE_CLAIM,
    UPTAKE_COMPARE,
    UPTAKE_EXPLAIN,
    UPTAKE_FUNNEL,
    UPTAKE_LIMITS,
    UPTAKE_RATE,
    UPTAKE_VERDICT,
)

__all__ = [
    "UPTAKE_RATE",
    "UPTAKE_CI",
    "UPTAKE_FUNNEL",
    "UPTAKE_CLAIM",
    "UPTAKE_EXPLAIN",
    "UPTAKE_BOUNDS",
    "UPTAKE_COMPARE",
    "UPTAKE_LIMITS",
    "UPTAKE_VERDICT",
    "UPTAKE_CASES",
    "UPTAKE_CHECK",
]
