"""``python -m xlplugin.accessibility WORKBOOK.xlsx ...``."""

import sys

from xlplugin.accessibility.checker import main

sys.exit(main())
