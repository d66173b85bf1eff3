"""Checking an article: every figure in a text, found, classified and checked against the FOI figures.

The finder (`finder`), classifier (`classify`) and context scoring (`context`) are pure Python and
light, so the Excel function UPTAKE_CHECK can use them; the readers of HTML, Word and PDF
(`readers`) need the optional extra ``xlplugin[articles]`` and are imported only by `check`.
"""
