"""``python -m eventspec``: the same as the ``eventspec`` command."""

import sys

from ._cli import main

sys.exit(main())
