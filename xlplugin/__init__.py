"""xlplugin: funnel and uptake rates whose denominators are always stated.

The package is a pure core (counts, funnel, intervals, rates, claims) with thin
adapters around it (csv/spec input, the CLI, Excel functions, the report writer,
refresh). Importing the package imports nothing heavy: the public API
(`xlplugin.funnel_table`, `denominators`, `check_claim`, `write_report`, ...; see
`xlplugin.api`) is loaded on first use (PEP 562).
"""

from __future__ import annotations

__version__ = "0.1.0"

#: The public API, served lazily from `xlplugin.api`.
_API = (
    "InputError",
    "check_claim",
    "check_workbook",
    "denominators",
    "explain_claim",
    "funnel_table",
    "read_funnel",
    "refresh_workbook",
    "report_bytes",
    "write_report",
)

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from xlplugin import api

        value = getattr(api, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'xlplugin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
