"""Adobe's guardrails on what one dataflow holds, checked before the PATCH that would cross them.

The request model checks the request's own counts; here the check is against the dataflow as
it will be after the change (an existing dataflow may already hold audiences). Soft limits
named in the request's ``overrideSoftLimits`` are not enforced.
"""

from __future__ import annotations

from aep_activation.errors import GuardrailExceeded
from aep_activation.model import SOFT_LIMITS, ActivationRequest, soft_limit_message


def check_dataflow_totals(
    request: ActivationRequest, dataflow_id: str, *, audiences: int, attributes: int
) -> None:
    """Raise :class:`GuardrailExceeded` if the dataflow would hold too much."""
    totals = {"audiencesPerDataflow": audiences, "mappedAttributesPerDataflow": attributes}
    for limit, total in totals.items():
        ceiling = SOFT_LIMITS[limit]
        if total > ceiling and limit not in request.override_soft_limits:
            raise GuardrailExceeded(
                f"dataflow {dataflow_id} would hold {total} "
                f"{'audiences' if limit == 'audiencesPerDataflow' else 'mapped attributes'}; "
                f"Adobe allows at most {ceiling} {soft_limit_message(limit)}"
            )
