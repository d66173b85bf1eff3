"""`python -m xlplugin`: the same command line as `xlplugin`."""

import sys

from xlplugin.cli import main

if __name__ == "__main__":
    sys.exit(main())
