"""Run xlplugin.udfs through xlwings' own Office.js custom-function code, as xlwings Lite and
xlwings Server do: `custom_functions_meta` (what Excel registers) and `custom_functions_call`
(one call per payload). A separate process, because xlwings picks its Office.js decorators at
import time from XLWINGS_ON_SERVER. The licence key is xlwings PRO's non-commercial one
(PolyForm Noncommercial), which is what xlwings' docs give for such use.

stdin: a JSON list of {"func_name", "args"}; stdout: {"meta": ..., "results": [...]}.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings  # noqa: E402
from xlwings.pro.udfs_officejs import custom_functions_call, custom_functions_meta  # noqa: E402

import xlplugin.udfs as udfs  # noqa: E402


def main() -> None:
    calls = json.load(sys.stdin)
    out: dict = {"meta": custom_functions_meta(udfs), "results": []}
    for call in calls:
        data = {
            "func_name": call["func_name"],
            "args": call["args"],
            "version": xlwings.__version__,
            "client": "Office.js",
            "runtime": "1.4",
            "culture_info_name": "en-GB",
            "date_format": "dd/mm/yyyy",
            "caller_address": "Sheet1!F2",
        }
        try:
            result = asyncio.run(custom_functions_call(data, udfs))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            result = {"exception": repr(exc)}
        out["results"].append(result)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
