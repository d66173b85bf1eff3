"""Funnels from case records (one row per case): `--cases` on the commands that take a funnel.

`funnel.load_cases` runs the one query (`sql`) on DuckDB (`engine`) and turns its counts into
the same `Funnel` a funnel CSV gives, so rates, claims and the report apply unchanged. The
counting rules are in `xlplugin.core.cases`. Nothing is imported here: the command line's
parser imports `xlplugin.cases.cli` on every start-up.
"""
