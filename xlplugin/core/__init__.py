"""The pure core: counts, funnels, intervals, rates and claims.

Standard library only, no I/O: everything else in xlplugin is an adapter around this package
(an import-contract test keeps it so).
"""
