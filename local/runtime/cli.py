"""``python -m local run REQUEST.json``: one activation, end to end, on this machine.

By default the Flow Service + IMS emulator is started and the real state machine runs in
moto with the real handlers (see :mod:`local.runtime.deployment`). ``--platform-url`` points the
handlers elsewhere instead (an emulator started on its own, or Adobe with real
``--credentials`` and ``--secrets``).

Secrets: the Adobe credentials secret (named by the template) holds ``--credentials`` or the
emulator's built-in client; the request's destination secret holds the value given in
``--secrets``. Only against the embedded emulator with no ``--secrets`` file does the CLI make
up obviously fake values shaped as the destination's auth spec requires: with ``--secrets`` or
``--platform-url`` a secret the file lacks stays missing, and the run fails on it
(SecretUnavailable, naming it) before anything is written. Exit status: 0 when the activation succeeded, 1 when it failed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from local.runtime.deployment import TESTING_SWITCH, LocalDeployment
from local.runtime.fake_secrets import fake_destination_secret
from local.runtime.history import ExecutionResult
from local.runtime.report import ApiCalls, Progress, RunReport, endpoint_of
from local.runtime.template import load_template

if TYPE_CHECKING:
    from aep_activation.ims import SharedTokenStore
    from local.emulator import Emulator

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = REPOSITORY / "template.yaml"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
TRIGGERS = ("console", "eventbridge", "sqs")
REQUEST_SOURCE = "aep.activation"
REQUEST_DETAIL_TYPE = "ActivationRequested"
FLOW_SERVICE_PATH = "/data/foundation/flowservice"
IMS_TOKEN_PATH = "/ims/token/v3"


class UsageError(Exception):
    """Bad arguments or unreadable files: exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local run",
        description="Run one activation request through the real state machine, locally.",
    )
    parser.add_argument("request", type=Path, help="the activation request (JSON file)")
    parser.add_argument(
        "--trigger",
        choices=TRIGGERS,
        default="console",
        help="how to start it: StartExecution (console), an EventBridge event, an SQS message",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object, no progress")
    parser.add_argument(
        "--platform-url", help="Flow Service base URL (default: start the emulator)"
    )
    parser.add_argument("--ims-url", help=f"IMS base URL with --platform-url ({DEFAULT_IMS_URL})")
    parser.add_argument(
        "--credentials",
        type=Path,
        help="JSON file: clientId, clientSecret, orgId, scopes (default: the emulator's client)",
    )
    parser.add_argument(
        "--secrets", type=Path, help="JSON file mapping secret name -> JSON object to store"
    )
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE, help=argparse.SUPPRESS)
    parser.add_argument(
        "--sleep-scale",
        type=float,
        default=0.0,
        help="sleep retry back-offs and Wait states times this (default 0: skip them)",
    )
    parser.add_argument("--logs", action="store_true", help="print the handlers' log lines too")
    parser.add_argument(
        "--exports",
        type=Path,
        help="folder for the files the embedded emulator's simulated runs write "
        "(default: a new temporary folder)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["run"]:
        args_list = args_list[1:]
    args = build_parser().parse_args(args_list)
    try:
        return _run(args, sys.stdout)
    except UsageError as exc:
        print(f"python -m local run: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, out: TextIO) -> int:
    request = _read_json(args.request, "request")
    credentials = _credentials(args.credentials)
    secrets = _read_json(args.secrets, "--secrets") if args.secrets else {}
    if not isinstance(secrets, dict) or not all(isinstance(v, dict) for v in secrets.values()):
        raise UsageError("--secrets must map secret names to JSON objects")
    _put_layers_on_path(args.template)
    with ExitStack() as resources:
        emulator: Emulator | None = None
        if args.platform_url:
            platform_url, ims_url = args.platform_url, args.ims_url or DEFAULT_IMS_URL
        else:
            from local.emulator import Emulator

            emulator = resources.enter_context(Emulator())
            platform_url, ims_url = emulator.platform_url, emulator.ims_url
            _simulate_runs(emulator, args.exports, resources)
        stack = resources.enter_context(
            LocalDeployment(
                args.template,
                platform_url=platform_url,
                ims_url=ims_url,
                parameter_overrides=_testing_parameters(args.template, platform_url, ims_url),
                skip_sleeps=args.sleep_scale == 0,
                sleep_scale=args.sleep_scale,
            )
        )
        make_up = args.secrets is None and not args.platform_url
        _seed_secrets(stack, request, credentials, secrets, make_up_destination_secret=make_up)
        if not args.json:
            name = request.get("name") if isinstance(request, dict) else None
            print(
                f"Activation {name!r} via {args.trigger}; Flow Service at {platform_url}", file=out
            )
        report = _execute(stack, request, args.trigger, None if args.json else out)
        report = _complete(report, stack, emulator, platform_url, ims_url, credentials, request)
        exported = [str(p) for p in emulator.exported_files] if emulator is not None else []
        if args.json:
            print(json.dumps({**report.to_json(), "exportedFiles": exported}, indent=2), file=out)
        else:
            report.print_text(out)
            if exported:
                print(f"\nFiles the simulated first run wrote ({len(exported)}):", file=out)
                for path in exported:
                    print(f"  {path}", file=out)
                    print(f"    columns: {_header(path)}", file=out)
            if args.logs:
                print("\nHandler log lines:", file=out)
                for line in stack.captured_logs:
                    print(f"  {line.function}: {line.text}", file=out)
    return 0 if report.status == "SUCCEEDED" else 1


def _simulate_runs(emulator: Emulator, exports: Path | None, resources: ExitStack) -> None:
    """The embedded emulator runs dataflows as Adobe would, and writes their files; the Wait
    states the runtime skips move its clock, so a first run happens while it is watched."""
    from local.runtime.sleeps import add_wait_listener, remove_wait_listener

    folder = exports or Path(tempfile.mkdtemp(prefix="aep-exports-"))
    emulator.simulate_runs(export_dir=folder)
    add_wait_listener(emulator.advance_clock)
    resources.callback(remove_wait_listener, emulator.advance_clock)


# ------------------------------------------------------------------------------ inputs


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{what}: {path} is not JSON: {exc}") from None
    except RecursionError:
        raise UsageError(f"{what}: {path} nests arrays/objects too deeply to read") from None


def _testing_parameters(template: Path, platform_url: str, ims_url: str) -> dict[str, str]:
    """Let the handlers talk to this machine when both endpoints are on it (the emulator):
    they refuse any host but Adobe's unless the template's testing switch says otherwise."""
    switch = TESTING_SWITCH
    hosts = {urlsplit(platform_url).hostname, urlsplit(ims_url).hostname}
    if switch not in load_template(template).parameters or not all(
        host and _is_loopback(host) for host in hosts
    ):
        return {}
    return {switch: "true"}


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _credentials(path: Path | None) -> dict[str, Any]:
    if path is None:
        from local.emulator import DEFAULT_CLIENT

        return DEFAULT_CLIENT.credentials()
    data = _read_json(path, "--credentials")
    missing = [
        key
        for key in ("clientId", "clientSecret", "orgId")
        if not isinstance(data, dict) or not data.get(key)
    ]
    if missing:
        # Names the keys, never the values.
        raise UsageError(f"--credentials: {path} lacks {', '.join(missing)}")
    assert isinstance(data, dict)
    return data


def _put_layers_on_path(template_path: Path) -> None:
    """The CLI itself uses the layer (catalog, client): the template says where it is."""
    template = load_template(template_path)
    for spec in template.functions.values():
        for layer in spec.layer_dirs:
            if str(layer) not in sys.path:
                sys.path.insert(0, str(layer))


def _seed_secrets(
    stack: LocalDeployment,
    request: Any,
    credentials: dict[str, Any],
    secrets: dict[str, dict[str, Any]],
    *,
    make_up_destination_secret: bool,
) -> None:
    for function in stack.template.functions:
        name = stack.function_environment(function).get("ADOBE_CREDENTIALS_SECRET")
        if name:
            stack.seed_secret(name, credentials)
            break
    for name, value in secrets.items():
        stack.seed_secret(name, value)
    destination = request.get("destination") if isinstance(request, dict) else None
    auth = destination.get("auth") if isinstance(destination, dict) else None
    secret_id = auth.get("secretId") if isinstance(auth, dict) else None
    if make_up_destination_secret and isinstance(secret_id, str) and secret_id not in secrets:
        fake = fake_destination_secret(request)
        if fake:
            stack.seed_secret(secret_id, fake)


# ------------------------------------------------------------------------------ running


def _execute(stack: LocalDeployment, request: Any, trigger: str, out: TextIO | None) -> RunReport:
    try:
        return _trigger_and_follow(stack, request, trigger, out)
    except ClientError as exc:  # AWS refused to take the request (too large, for one)
        error = exc.response.get("Error", {})
        raise UsageError(
            f"{trigger}: AWS refused the request: {error.get('Code')}: {error.get('Message')}"
        ) from None


def _trigger_and_follow(
    stack: LocalDeployment, request: Any, trigger: str, out: TextIO | None
) -> RunReport:
    if trigger == "console":
        execution = stack.start_execution(request)
    elif trigger == "eventbridge":
        started = stack.send_event(request, source=REQUEST_SOURCE, detail_type=REQUEST_DETAIL_TYPE)
        if len(started) != 1:
            raise UsageError(f"the event started {len(started)} executions, expected 1")
        execution = started[0]
    else:
        stack.send_sqs(request)
        drained = stack.drain_queue()
        if not drained.executions:
            return _dead_lettered(stack, trigger)
        execution = drained.executions[0]
    if out is not None:
        progress = Progress(out)
        for event in stack.watch(execution):
            progress.feed(event)
    result = stack.wait(execution)
    return RunReport(
        trigger=trigger,
        result=result,
        summary={},
        dataflow=None,
        api_calls=None,
        status=result.status,
        error=result.error,
        cause=result.cause,
    )


def _dead_lettered(stack: LocalDeployment, trigger: str) -> RunReport:
    """The starter refused the message (it is in the dead-letter queue, error attached)."""
    dead = [
        m
        for q in stack.template.queues
        for m in stack.queue_messages(q)
        if "errorName" in m.attributes
    ]
    error = dead[-1].attributes.get("errorName") if dead else None
    cause = dead[-1].attributes.get("errorMessage") if dead else None
    return RunReport(trigger, None, {}, None, None, "DEAD_LETTERED", error, cause)


def _complete(
    report: RunReport,
    stack: LocalDeployment,
    emulator: Emulator | None,
    platform_url: str,
    ims_url: str,
    credentials: dict[str, Any],
    request: Any,
) -> RunReport:
    """Add the published summary, the API call count and the dataflow as the server has it.

    An activation that succeeded carries ValidateDataflow's read-back of the flow (the server's
    answer after the last write): that is reported as it is. The flow is read here only when
    the execution carries no complete read-back (a plan, a failure, lists cut to fit the
    state), with the token the execution cached, so a run still fetches one token."""
    api_calls = _api_calls(emulator) if emulator is not None else None
    summary = _published_summary(stack, report.result)
    dataflow_id = (summary.get("resources") or {}).get("dataflowId")
    sandbox = request.get("sandbox", "prod") if isinstance(request, dict) else "prod"
    dataflow = summary.get("dataflow")
    read_back = isinstance(dataflow, dict) and bool(dataflow.get("id"))
    if (not read_back or "truncated" in summary) and isinstance(dataflow_id, str):
        dataflow = (
            _read_dataflow(
                platform_url, ims_url, credentials, sandbox, dataflow_id, _shared_tokens(stack)
            )
            or dataflow
        )
    return RunReport(
        trigger=report.trigger,
        result=report.result,
        summary=summary,
        dataflow=dataflow,
        api_calls=api_calls,
        status=report.status,
        error=report.error,
        cause=report.cause,
    )


def _shared_tokens(stack: LocalDeployment) -> SharedTokenStore | None:
    """The token store the stack's functions share (the IMS token cache secret), read and
    written through the stack's Secrets Manager, as a function reads and writes it."""
    from aep_activation.errors import SecretUnavailable
    from aep_activation.ims import SharedTokenStore

    name = next(
        (
            stack.function_environment(f).get("IMS_TOKEN_CACHE_SECRET")
            for f in stack.template.functions
            if stack.function_environment(f).get("IMS_TOKEN_CACHE_SECRET")
        ),
        None,
    )
    if not name:
        return None

    def read(secret: str, **_: Any) -> dict[str, Any]:
        try:
            value = json.loads(
                stack.secretsmanager.get_secret_value(SecretId=secret)["SecretString"]
            )
        except (ClientError, ValueError) as exc:
            raise SecretUnavailable(f"secret {secret!r} unreadable: {type(exc).__name__}") from None
        return value if isinstance(value, dict) else {}

    def write(secret: str, document: dict[str, Any]) -> None:
        try:
            stack.secretsmanager.put_secret_value(
                SecretId=secret, SecretString=json.dumps(document)
            )
        except ClientError as exc:
            raise SecretUnavailable(
                f"secret {secret!r} not written: {type(exc).__name__}"
            ) from None

    return SharedTokenStore(name, read=read, write=write)


def _published_summary(stack: LocalDeployment, result: ExecutionResult | None) -> dict[str, Any]:
    if result is None:
        return {}
    for event in reversed(stack.published_events()):
        detail = event.get("detail")
        if isinstance(detail, dict) and detail.get("execution") == result.arn:
            return detail
    return result.output if isinstance(result.output, dict) else {}


def _api_calls(emulator: Emulator) -> ApiCalls:
    endpoints: Counter[str] = Counter()
    flow_service = ims = 0
    for recorded in emulator.requests:
        if recorded.path.startswith(FLOW_SERVICE_PATH):
            flow_service += 1
            endpoints[endpoint_of(recorded.method, recorded.relative_path)] += 1
        elif recorded.path.startswith("/data/foundation/conversion/"):
            flow_service += 1  # Data Prep, same Platform gateway (mapping sets of new cards)
            endpoints[endpoint_of(recorded.method, recorded.path)] += 1
        elif recorded.path.startswith(IMS_TOKEN_PATH):
            ims += 1
            endpoints[endpoint_of(recorded.method, recorded.path)] += 1
    return ApiCalls(flow_service + ims, flow_service, ims, dict(endpoints))


def _read_dataflow(
    platform_url: str,
    ims_url: str,
    credentials: dict[str, Any],
    sandbox: str,
    dataflow_id: str,
    shared: SharedTokenStore | None = None,
) -> dict[str, Any] | None:
    """GET the flow with the layer's own client: what is active on the server, not a claim."""
    from aep_activation.credentials import parse_adobe_credentials
    from aep_activation.dataflow_diff import DataflowSnapshot
    from aep_activation.dataprep.client import ConversionClient
    from aep_activation.dataprep.mapping import mapped_attributes
    from aep_activation.errors import ActivationError
    from aep_activation.flow_service import FlowServiceClient
    from aep_activation.ims import TokenCache, TokenProvider

    try:
        adobe = parse_adobe_credentials(credentials, secret_name="--credentials")
        tokens = TokenProvider(ims_url, adobe, cache=TokenCache(), shared=shared)
        client = FlowServiceClient(
            platform_url, tokens, api_key=adobe.client_id, org_id=adobe.org_id, sandbox=sandbox
        )
        snapshot = DataflowSnapshot.of_flow(client.flows.get(dataflow_id))
        attributes = list(snapshot.attributes)
        mapping = snapshot.mapping or {}
        if mapping.get("mappingId") and mapping.get("mappingVersion") is not None:
            stored = ConversionClient(client).get_mapping_set(
                str(mapping["mappingId"]), int(mapping["mappingVersion"])
            )
            attributes = mapped_attributes(stored)[0]
    except ActivationError:
        return None
    return {
        "id": snapshot.id,
        "etag": snapshot.etag,
        "audiences": list(snapshot.audiences),
        "attributes": attributes,
        "state": snapshot.state,
    }


def _header(path: str | Path) -> str:
    """The first line of an exported CSV file: its column names, as the destination got them."""
    with Path(path).open(encoding="utf-8") as exported:
        return exported.readline().strip() or "(empty file)"
