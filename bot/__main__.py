"""`python -m bot <command>`: the staff and operator command line (bot.cli)."""

import sys

from bot.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
