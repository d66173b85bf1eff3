"""The OOXML package layer: safe zip reading, byte-span XML scanning and splicing, A1 references,
the workbook model used to edit other people's files, and the one atomic writer.

- `package`: opening a package within limits, its parts and relationships; `write_package`.
- `atomic`: the one atomic file writer and the lock-file rule (Excel's ``~$``, LibreOffice's ``.~lock.``).
- `scanner`: elements with byte offsets, attribute spans, qualified names and text; `splice`, `set_attr`.
- `fragments`: the fragment writer and the only XML escape and unescape functions.
- `schema`: the child order of each parent element and "insert child in schema order".
- `edit`: the "read part, scan, splice, put" protocol in one context manager.
- `cellref` (A1 references), `cells` (cell XML, string text, the one "merge cells into <row>"),
  `book` (the workbook and its shared edits: sheets, relationships, content types, app.xml titles),
  `styles` (the style merger, restyling a sheet's indices, built-in named styles),
  `docprops` (core.xml's language), `malformed` (the damaged-part refusal).

It imports nothing from report/, refresh/, excel/ or accessibility/ (tests/test_import_contract.py).
"""
