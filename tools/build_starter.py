"""Regenerate the committed workbooks/xlplugin-starter.xlsx: ``python tools/build_starter.py``.

Development only: the installed package never writes into the source tree.
"""

from pathlib import Path

from xlplugin.excel.starter import write_starter_xlsx

if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "workbooks" / "xlplugin-starter.xlsx"
    print(write_starter_xlsx(out))
