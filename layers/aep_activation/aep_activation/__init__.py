"""aep_activation: shared logic for activating AEP audiences to batch destinations.

The Lambda layer every function imports. Modules are imported directly
(``from aep_activation.request import parse_activation_request``); this package file stays
light so a cold start pays only for what a handler uses.
"""

__version__ = "0.1.0"
