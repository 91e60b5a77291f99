"""``python -m aep_cli``: the same as the ``aep-activations`` console script."""

import sys

from aep_cli.app import main

sys.exit(main())
