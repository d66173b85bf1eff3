"""Reading the user's input: funnel CSVs, workbooks and report specs, each file read once (`load`)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from xlplugin.inputs.loader import Loaded, ReadOptions, load

__all__ = ["Loaded", "ReadOptions", "load"]


def __getattr__(name: str):
    """`xlplugin.inputs.load` without importing the loader until it is used."""
    if name in __all__:
        from xlplugin.inputs import loader

        return getattr(loader, name)
    raise AttributeError(name)
