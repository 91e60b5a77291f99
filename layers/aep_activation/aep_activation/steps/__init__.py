"""The workflow's steps, one module per state; handlers in ``functions/`` call these.

Each step takes the validated request and the ids earlier steps produced, calls Flow Service
through :class:`~aep_activation.flow_service.FlowServiceClient`, and returns a small,
secret-free dict that the state machine stores. :mod:`.connections` holds the four connection
states together: the two sides of the dataflow, each a base connection then a connection on
it, differ only in the body they find or create. What the three dataflow states share is in
:mod:`.flow_view`; every creation goes through :mod:`.find_or_create`.
"""
