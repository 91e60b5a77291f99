"""The activation request: what to activate, where, and on which schedule.

``parse_activation_request`` validates a request (JSON text or a mapping) against every rule
before any API call; :class:`ActivationRequest` is what it returns. The modules, from the
whole to the parts: :mod:`.parsing` (size guards, then the rules), :mod:`.activation` (the
request), :mod:`.audience`, :mod:`.destination` with :mod:`.card` and :mod:`.target`,
:mod:`.credentials` and :mod:`.messages` (the error text). Field types and rule reporting are
shared with naming's models: :mod:`aep_activation.fields`, :mod:`aep_activation.violations`.
"""

from aep_activation.request.activation import ActivationRequest, build_request_validator
from aep_activation.request.parsing import parse_activation_request

__all__ = ["ActivationRequest", "build_request_validator", "parse_activation_request"]
