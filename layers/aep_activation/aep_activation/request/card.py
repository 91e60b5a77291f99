"""A destination checked against its card in the catalog: auth spec, target mode and params."""

from __future__ import annotations

from aep_activation.cards import Destination
from aep_activation.request.credentials import looks_like_credential
from aep_activation.request.target import DestinationAuth, DestinationTarget
from aep_activation.violations import Violations


def check_against_card(
    entry: Destination,
    auth: DestinationAuth,
    target: DestinationTarget,
    problems: Violations,
) -> None:
    """Add to ``problems`` each way ``auth`` and ``target`` do not fit the card ``entry``."""
    auth_spec = entry.auth_spec(auth.spec_name)
    if auth_spec is None:
        problems.add(
            ("auth", "specName"),
            f"is not an auth spec of {entry.name}; use one of: " + ", ".join(entry.auth_spec_names),
        )
    else:
        for param in auth_spec.request_params:
            if param not in auth.request_params:
                problems.add(("auth", param), f"is required with auth spec {auth_spec.name!r}")
        if auth_spec.needs_secret and auth.secret_id is None:
            secret_params = [p for p in auth_spec.required_params if p not in auth.request_params]
            problems.add(
                ("auth", "secretId"),
                f"is required: name the secret holding {', '.join(secret_params)}",
            )
        elif not auth_spec.needs_secret and auth.secret_id is not None:
            problems.add(
                ("auth", "secretId"),
                f"must be left out: {auth_spec.name} takes no secret credentials",
            )
    for param in auth.request_params:
        if auth_spec is None or param not in auth_spec.request_params:
            problems.add(
                ("auth", param),
                "applies only with auth spec Assumed Role (Amazon S3 (new)); leave it out",
            )

    mode = entry.target_mode(target.mode)
    if mode is None:
        problems.add(
            ("target", "mode"),
            f"is not a target mode of {entry.name}; use one of: "
            + ", ".join(entry.target_mode_names),
        )
        return
    if auth_spec is not None and mode.name not in entry.modes_for_auth(auth_spec.name):
        problems.add(
            ("target", "mode"),
            f"must be {' or '.join(entry.modes_for_auth(auth_spec.name))} for {entry.name} "
            f"with auth spec {auth_spec.name!r}",
        )
    params = target.extra_params
    for key in target.file_options:
        if key not in mode.known_params:
            problems.add(
                ("target", key), f"applies only to the new file-based cards, not {entry.name}"
            )
    if "csvOptions" in target.file_options and params.get("fileType", "CSV") != "CSV":
        problems.add(("target", "csvOptions"), "applies only with fileType CSV")
    for missing in (name for name in mode.required_params if name not in params):
        problems.add(("target", missing), f"is required for {entry.name} target mode {mode.name}")
    for key, value in params.items():
        if looks_like_credential(key):
            continue  # already reported by DestinationTarget
        if key not in mode.known_params:
            problems.add(
                ("target", key),
                f"is not a param of {entry.name} target mode {mode.name}; known: "
                + ", ".join(mode.known_params),
            )
            continue
        allowed = mode.allowed_values.get(key)
        if allowed is not None and value not in allowed:
            problems.add(("target", key), f"must be one of: {', '.join(allowed)}")
        pattern = mode.value_patterns.get(key)
        if pattern is not None and value.strip() and not pattern.matches(value):
            problems.add(("target", key), pattern.rule)
