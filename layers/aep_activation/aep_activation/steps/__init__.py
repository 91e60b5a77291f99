"""The workflow's steps, one module per Flow Service step; handlers in ``functions/`` call these.

Each step takes the validated request and the ids earlier steps produced, calls Flow Service
through :class:`~aep_activation.flow_service.FlowServiceClient`, and returns a small,
secret-free dict that the state machine stores.
"""
