"""The OOXML package layer: safe zip reading, byte-span XML scanning and splicing, A1 references,
the workbook model used to edit other people's files, and the one atomic writer.

It imports nothing from report/, refresh/, excel/ or accessibility/.
"""
