"""Document properties in ``docProps/core.xml``: the language, which XlsxWriter cannot write.

The Analysis Function guidance asks for the document language; the report sets ``dc:language``
(en-GB) after XlsxWriter has written the package. A byte splice, like every edit of the layer.
(The worksheet titles ``docProps/app.xml`` lists are kept in step by `Book.sync_app_titles`, through `ooxml.apptitles`.)
"""

from __future__ import annotations

from xlplugin.ooxml.fragments import element
from xlplugin.ooxml.scanner import prefix_for, scan, splice
from xlplugin.ooxml.schema import append_child

__all__ = ["CORE_PART", "NS_DC", "add_language"]

CORE_PART = "docProps/core.xml"
NS_DC = "http://purl.org/dc/elements/1.1/"


def add_language(data: bytes, language: str) -> bytes:
    """Add (or replace) `<dc:language>` in docProps/core.xml."""
    root = scan(data, CORE_PART)
    existing = root.find("language", NS_DC)
    if existing is not None:
        fragment = element(existing.qname(data), text=language)
        return splice(data, [(existing.start, existing.end, fragment)])
    dc = prefix_for(data, root, NS_DC)
    if dc is None:
        fragment = element("dc:language", [("xmlns:dc", NS_DC)], text=language)
    else:
        fragment = element(f"{dc}:language" if dc else "language", text=language)
    return splice(data, [append_child(data, root, fragment)])
