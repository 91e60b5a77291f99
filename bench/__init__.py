"""`make bench`: the performance figures, each against a reference measured in the same run
(see README, "Performance")."""

import sys
from pathlib import Path

# The local runtime, the fake secrets and the tutorials by hand use the layer, as the handlers do.
_LAYER = str(Path(__file__).resolve().parents[1] / "layers" / "aep_activation")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
