"""Cold import of every handler, in a fresh Python 3.12 laid out as Lambda does, against
``import aepp.flowservice`` in the same run; peak RSS after import; the layer's size."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from local.runtime.template import load_template

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
BENCH = ROOT / ".bench"
AEPP_PYTHON = ROOT / ".bench-venv" / "bin" / "python"
BARE_PYTHON = BENCH / "py312" / "bin" / "python"  # a venv with nothing installed
RUNTIME_BOTO3 = BENCH / "runtime"  # stand-in for the boto3/botocore Lambda's runtime ships

# A probe imports one module list after another and records, after each, the time since it
# began, the peak RSS and the modules loaded so far.
PROBE_START = "import json, sys, time\nstarted = time.perf_counter()\npoints = []\n"
PROBE_STEP = (
    "import {module}\n"
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
    "points.append({{'seconds': time.perf_counter() - started, "
    "'rss_kib': int(hwm.split()[1]), 'modules': len(sys.modules)}})\n"
)
PROBE_END = "print(json.dumps(points))\n"

# Peak RSS is VmHWM, this process's own high-water mark: getrusage's ru_maxrss would carry over
# the parent's peak through fork and exec.
# What Lambda sets (tracing on, as deployed); /opt and /var/task are read-only, so no .pyc
# is written by the import itself.
LAMBDA_ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "LANG": "en_US.UTF-8",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "POWERTOOLS_SERVICE_NAME": "aep-activation",
    "POWERTOOLS_METRICS_NAMESPACE": "AepActivation",
    "PYTHONDONTWRITEBYTECODE": "1",
    # Lambda hands the function its role's session credentials in the environment; without
    # them the SDK clients a handler makes at init would search for some (and ask IMDS).
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
}


@dataclass(frozen=True)
class Probe:
    seconds: float
    rss_mib: float
    modules: int


def layer_dir() -> Path:
    """The layer as `sam build` makes it. The build targets arm64 (as deployed); on another
    machine the same recipe (layers/aep_activation/Makefile) built for this platform."""
    if platform.machine() in ("aarch64", "arm64"):
        return BUILD / "SharedLayer" / "python"
    return BENCH / "layer" / "python"


def function_dirs() -> dict[str, Path]:
    return {
        path.parent.name: path.parent
        for path in sorted(BUILD.glob("*/app.py"))
        if path.parent.name != "SharedLayer"
    }


def memory_sizes() -> dict[str, int]:
    """Each function's MemorySize, as template.yaml sets it."""
    return {n: s.memory_size for n, s in load_template(ROOT / "template.yaml").functions.items()}


def template_environments() -> dict[str, dict[str, str]]:
    """Each function's environment as deployed (a function's init may read it, as the export
    watch's does)."""
    template = load_template(ROOT / "template.yaml")
    return {name: template.environment_as_deployed(name) for name in template.functions}


def _probe(
    python: Path,
    module: str,
    pythonpath: list[Path] | None,
    environment_overrides: dict[str, str] | None = None,
) -> Probe:
    return _probes(python, (module,), pythonpath, environment_overrides)[0]


def _probes(
    python: Path,
    modules: tuple[str, ...],
    pythonpath: list[Path] | None,
    environment_overrides: dict[str, str] | None = None,
) -> list[Probe]:
    """One fresh interpreter importing ``modules`` in turn: a Probe after each, cumulative."""
    environment = {**LAMBDA_ENVIRONMENT, **(environment_overrides or {})}
    if pythonpath is not None:
        environment["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    steps = "".join(PROBE_STEP.format(module=module) for module in modules)
    result = subprocess.run(  # noqa: S603 - our own interpreters and a fixed probe
        [str(python), "-c", PROBE_START + steps + PROBE_END],
        env=environment,
        cwd="/tmp",  # noqa: S108 - nothing importable by accident from the working directory
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"import {modules} failed in {pythonpath}: {result.stderr[-2000:]}")
    points = json.loads(result.stdout.strip().splitlines()[-1])
    return [Probe(p["seconds"], p["rss_kib"] / 1024, p["modules"]) for p in points]


# What every handler that calls Adobe imports whatever the project's own code: the HTTP client
# (its Secrets Manager calls go over it too, signed without the SDK), the models' library and
# Powertools' Logger and Metrics (the handlers' own share is the rest).
THIRD_PARTY_FLOOR = (
    "requests, pydantic.main, aws_lambda_powertools.logging, aws_lambda_powertools.metrics"
)
# What every function that calls AWS on each invocation needs (the starter and
# PublishResult): the runtime's SDK in place of the HTTP client.
AWS_CALLING_FLOOR = (
    "boto3, pydantic.main, aws_lambda_powertools.logging, aws_lambda_powertools.metrics"
)


def adobe_calling(function_dir: Path) -> bool:
    """Whether a function calls Adobe (it wires a Flow Service client)."""
    return "aep_activation.wiring" in (function_dir / "app.py").read_text(encoding="utf-8")


@dataclass(frozen=True)
class ImportFigures:
    handlers: dict[str, Probe]  # per handler: median seconds, median RSS
    aepp: Probe
    floor: Probe  # THIRD_PARTY_FLOOR alone, in the same layout: an Adobe-calling handler's
    http_client: Probe  # requests alone (aepp imports it too), in the same layout
    aws_floor: Probe  # AWS_CALLING_FLOOR alone, in the same layout
    adobe_calling: frozenset[str]  # the handlers that call Adobe
    # Per handler, the same interpreter once boto3 is imported too: all a cold first call has
    # loaded (the functions that use the SDK make their clients at init, so it adds little).
    with_sdk: dict[str, Probe]

    @property
    def median_handler(self) -> float:
        return statistics.median(p.seconds for p in self.handlers.values())

    @property
    def slowest(self) -> tuple[str, float]:
        name = max(self.handlers, key=lambda n: self.handlers[n].seconds)
        return name, self.handlers[name].seconds

    @property
    def peak_rss(self) -> tuple[str, float]:
        name = max(self.handlers, key=lambda n: self.handlers[n].rss_mib)
        return name, self.handlers[name].rss_mib

    @property
    def median_adobe_calling(self) -> float:
        return statistics.median(self.handlers[n].seconds for n in self.adobe_calling)

    @property
    def median_with_sdk(self) -> float:
        return statistics.median(p.seconds for p in self.with_sdk.values())

    @property
    def peak_rss_with_sdk(self) -> float:
        return max(p.rss_mib for p in self.with_sdk.values())


def _median(probes: list[Probe]) -> Probe:
    return Probe(
        statistics.median(p.seconds for p in probes),
        statistics.median(p.rss_mib for p in probes),
        int(statistics.median(p.modules for p in probes)),
    )


def measure_imports(rounds: int = 5) -> ImportFigures:
    """Interleaved rounds (aepp, then every handler), so machine noise hits both alike."""
    layer = layer_dir()
    functions = function_dirs()
    if not functions or not layer.is_dir():
        raise RuntimeError("no SAM build to measure: run `make sam-build` first")
    environments = template_environments()
    runs: dict[str, list[Probe]] = {name: [] for name in functions}
    with_sdk: dict[str, list[Probe]] = {name: [] for name in functions}
    aepp: list[Probe] = []
    floor: list[Probe] = []
    http_client: list[Probe] = []
    aws_floor: list[Probe] = []
    for _ in range(rounds):
        aepp.append(_probe(AEPP_PYTHON, "aepp.flowservice", None))
        floor.append(_probe(BARE_PYTHON, THIRD_PARTY_FLOOR, [layer, RUNTIME_BOTO3]))
        http_client.append(_probe(BARE_PYTHON, "requests", [layer, RUNTIME_BOTO3]))
        aws_floor.append(_probe(BARE_PYTHON, AWS_CALLING_FLOOR, [layer, RUNTIME_BOTO3]))
        for name, directory in functions.items():
            path = [directory, layer, RUNTIME_BOTO3]
            alone, then_sdk = _probes(BARE_PYTHON, ("app", "boto3"), path, environments[name])
            runs[name].append(alone)
            with_sdk[name].append(then_sdk)
    return ImportFigures(
        {n: _median(p) for n, p in runs.items()},
        _median(aepp),
        _median(floor),
        _median(http_client),
        _median(aws_floor),
        frozenset(n for n, d in functions.items() if adobe_calling(d)),
        {n: _median(p) for n, p in with_sdk.items()},
    )


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def built_layer() -> Path:
    return BUILD / "SharedLayer"


def layer_has_sdk() -> list[str]:
    python = built_layer() / "python"
    return sorted(p.name for p in python.iterdir() if p.name in ("boto3", "botocore", "s3transfer"))


def layer_has_bytecode() -> bool:
    """Every third-party module ships as .pyc and every aep_activation module has its .pyc."""
    python = built_layer() / "python"
    sources = [p for p in python.rglob("*.py")]
    compiled = {p.name.split(".")[0] for p in (python / "aep_activation").rglob("*.pyc")}
    own = [p for p in sources if "aep_activation" in p.parts]
    return len(own) == len(sources) and all(p.stem in compiled for p in own)


def aepp_closure_bytes() -> int:
    (site,) = (ROOT / ".bench-venv" / "lib").glob("python3*/site-packages")
    return tree_bytes(site)
