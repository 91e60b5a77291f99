"""Request files and folders, read and checked before anything is called.

A request file is one activation request (JSON), exactly as the state machine takes it. The
command says what to do with it (``apply``, ``plan``, ``teardown``), so a file names no other
``operation`` than ``apply`` (a teardown file may say ``teardown``). Each file is checked
against every rule of the request model here, so a bad file is named with its field and rule
before any AWS or Adobe call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aep_activation.errors import InvalidActivationRequest
from aep_activation.registry import registry_key
from aep_activation.request import parse_activation_request

OPERATIONS = ("apply", "plan", "teardown")


class UsageError(Exception):
    """Bad arguments or input: nothing was called. Exit status 2."""


@dataclass(frozen=True)
class RequestFile:
    """One request file: the request the command will send, or why it will not."""

    path: Path
    request: dict[str, Any] = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def name(self) -> str:
        value = self.request.get("name")
        return value if isinstance(value, str) else ""

    @property
    def sandbox(self) -> str:
        value = self.request.get("sandbox")
        return value if isinstance(value, str) else ""

    @property
    def key(self) -> str:
        return registry_key(self.sandbox, self.name)

    def label(self) -> str:
        return self.key if self.valid else str(self.path)

    def problem(self) -> str:
        """``FILE: field: rule; field: rule``, for the user."""
        return f"{self.path}: {'; '.join(self.errors)}"


def read_request(path: Path, operation: str) -> RequestFile:
    """Read and check one file for ``operation``; the request it yields carries that operation."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return RequestFile(path, errors=("no such file",))
    except IsADirectoryError:
        return RequestFile(path, errors=("is a folder: give request files, or one folder alone",))
    except OSError as exc:
        return RequestFile(path, errors=(f"cannot read it: {exc.strerror}",))
    except UnicodeDecodeError:
        return RequestFile(path, errors=("(root): is not valid JSON: the text is not UTF-8",))
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return RequestFile(
            path,
            errors=(
                f"(root): is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            ),
        )
    except RecursionError:
        return RequestFile(path, errors=("(root): nests arrays/objects too deeply",))
    if not isinstance(raw, dict):
        return RequestFile(path, errors=("(root): must be a JSON object (one activation request)",))
    given = raw.get("operation")
    allowed = {None, "apply", operation} if operation == "teardown" else {None, "apply"}
    if given not in allowed:
        return RequestFile(
            path,
            raw,
            errors=(
                f"operation: is {given!r}, but a request file describes the activation and the "
                f"command says what to do with it: leave operation out (or 'apply')",
            ),
        )
    if operation == "teardown":
        # The dataflow to confirm comes from the registry later (see teardown_request): check
        # every other rule now, before any call.
        applied = {k: v for k, v in raw.items() if k != "confirmDataflowId"}
        checked = check(path, {**applied, "operation": "apply"})
        return RequestFile(path, {**raw, "operation": "teardown"}, checked.errors)
    return check(path, {**raw, "operation": operation})


def teardown_request(file: RequestFile, dataflow_id: str | None) -> RequestFile:
    """The teardown of ``file``'s activation, confirming ``dataflow_id`` (the registry's)
    unless the file confirms one itself."""
    request = dict(file.request)
    if not request.get("confirmDataflowId"):
        if dataflow_id is None:
            return RequestFile(
                file.path,
                request,
                (
                    f"confirmDataflowId: {file.key} has no active dataflow in the registry: "
                    "name the dataflow to delete in the file",
                ),
            )
        request["confirmDataflowId"] = dataflow_id
    return check(file.path, {**request, "operation": "teardown"})


def check(path: Path, request: dict[str, Any]) -> RequestFile:
    """Every rule of the request model; the errors name each field and its rule."""
    try:
        parse_activation_request(request)
    except InvalidActivationRequest as exc:
        errors = tuple(f"{e['path']}: {e['message']}" for e in exc.errors)
        return RequestFile(path, request, errors or (str(exc),))
    return RequestFile(path, request)


def read_folder(folder: Path, operation: str) -> list[RequestFile]:
    """Every ``*.json`` file of the folder (not its subfolders), by name; two files naming
    the same activation (sandbox + name) are both refused."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    files = [read_request(path, operation) for path in sorted(folder.glob("*.json"))]
    if not files:
        raise UsageError(f"{folder}: holds no request files (*.json)")
    owners: dict[str, list[Path]] = {}
    for file in files:
        if file.valid:
            owners.setdefault(file.key, []).append(file.path)
    checked = []
    for file in files:
        others = [p.name for p in owners.get(file.key, []) if p != file.path] if file.valid else []
        if others:
            file = RequestFile(
                file.path,
                file.request,
                (f"name: {file.key} is also the activation of {', '.join(others)}",),
            )
        checked.append(file)
    return checked


def read_requests(paths: list[Path], operation: str) -> list[RequestFile]:
    """Files named one by one: every one must be valid (UsageError listing each problem)."""
    files = [read_request(path, operation) for path in paths]
    problems = [file.problem() for file in files if not file.valid]
    if problems:
        raise UsageError("invalid request file(s), nothing started:\n  " + "\n  ".join(problems))
    return files
