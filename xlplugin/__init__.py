"""xlplugin: funnel and uptake rates whose denominators are always stated.

The package is a pure core (counts, funnel, intervals, rates, claims) with thin
adapters around it (csv/spec input, the CLI, Excel functions, the report writer,
refresh). Importing the package imports nothing heavy.
"""

__version__ = "0.1.0"
