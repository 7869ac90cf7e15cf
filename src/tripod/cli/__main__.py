"""`python -m tripod.cli`: the same as the `tripod` command."""

import sys

from tripod.cli import main

sys.exit(main())
