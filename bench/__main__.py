"""`make bench`: one table of figures, each with its reference measured in the same run, the
ratio and the target; exits 1 if a target is missed.

    .venv/bin/python -m bench [--rounds 5] [--latency 0.2] [--requests 200] [--cold-rounds 11]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import activations, imports, watch
from local.runtime.functions import ColdStarts

MB = 1_000_000


@dataclass(frozen=True)
class Row:
    figure: str
    project: str
    reference: str
    ratio: float | None
    target: str
    met: bool | None  # None: reported, no target

    def cells(self) -> list[str]:
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}x"
        verdict = "" if self.met is None else (" ok" if self.met else " MISSED")
        return [self.figure, self.project, self.reference, ratio, self.target + verdict]


def _ratio_row(
    figure: str, mine: float, ref: float, unit: str, limit: float | None, ref_name: str
) -> Row:
    """A ratio against a reference; ``limit`` None: shown, not a target."""
    ratio = mine / ref
    return Row(
        figure,
        f"{mine:.3f} {unit}",
        f"{ref_name} {ref:.3f} {unit}",
        ratio,
        "-" if limit is None else f"<= {limit}x",
        None if limit is None else ratio <= limit,
    )


def import_rows(rounds: int, first_call_cpu: dict[str, float]) -> list[Row]:
    """``first_call_cpu``: the CPU seconds of each function's cold first call on the execution
    path, from the cold runs of the same bench (empty when they were skipped)."""
    figures = imports.measure_imports(rounds)
    aepp = figures.aepp
    slow_name, slow = figures.slowest
    rss_name, rss = figures.peak_rss
    modules = sorted(p.modules for p in figures.handlers.values())
    layer = imports.tree_bytes(imports.built_layer())
    sdk = imports.layer_has_sdk()
    memory = imports.memory_sizes()

    def import_time(figure: str, mine: float, limit: float | None = None) -> Row:
        return _ratio_row(figure, mine, aepp.seconds, "s", limit, "aepp")

    def peak_rss(figure: str, mine: float, limit: float | None = None) -> Row:
        return _ratio_row(figure, mine, aepp.rss_mib, "MiB", limit, "aepp")

    above_floor = figures.median_adobe_calling - figures.floor.seconds
    rows = [
        import_time(
            "cold import, median Adobe-calling handler, above the floor of its packages "
            "(requests, pydantic, Powertools Logger+Metrics) in this run",
            above_floor,
            0.3,
        ),
    ]
    if first_call_cpu:
        path = {n: figures.handlers[n].seconds + cpu for n, cpu in first_call_cpu.items()}
        name = max(path, key=lambda n: path[n])
        rows.append(
            import_time(
                f"slowest on the execution path, import + first call ({name})", path[name], 1.9
            )
        )
    used = {n: p.rss_mib / memory[n] for n, p in figures.with_sdk.items()}
    fullest = max(used, key=lambda n: used[n])
    rows += [
        Row(
            f"peak RSS after import and SDK set-up, against MemorySize ({fullest})",
            f"{figures.with_sdk[fullest].rss_mib:.1f} MiB",
            f"MemorySize {memory[fullest]} MB",
            used[fullest],
            "<= 50%",
            used[fullest] <= 0.5,
        ),
        import_time("cold import, median handler", figures.median_handler),
        import_time("cold import, median Adobe-calling handler", figures.median_adobe_calling),
        import_time(
            "cold import, Adobe-calling floor (requests, pydantic, Powertools Logger+Metrics)",
            figures.floor.seconds,
        ),
        import_time(
            "cold import, requests alone (the HTTP client; aepp imports it too)",
            figures.http_client.seconds,
        ),
        import_time(
            "cold import, AWS-calling floor (boto3, pydantic, Powertools Logger+Metrics)",
            figures.aws_floor.seconds,
        ),
        import_time(f"cold import, slowest ({slow_name})", slow),
        peak_rss(f"peak RSS after import ({rss_name})", rss),
        import_time(
            "cold import + boto3 (all a handler has imported after a cold first call), median",
            figures.median_with_sdk,
        ),
        Row(
            "modules loaded (median handler)",
            str(modules[len(modules) // 2]),
            f"aepp {aepp.modules}",
            modules[len(modules) // 2] / aepp.modules,
            "-",
            None,
        ),
        Row(
            "layer size, unzipped (sam build)",
            f"{layer / MB:.2f} MB",
            f"aepp closure {imports.aepp_closure_bytes() / MB:.0f} MB",
            layer / (10 * MB),
            "<= 10 MB",
            layer <= 10 * MB,
        ),
        Row(
            "boto3/botocore in the layer",
            ", ".join(sdk) or "none",
            "runtime's own",
            None,
            "none",
            not sdk,
        ),
        Row(
            "layer ships bytecode (.pyc, Python 3.12)",
            "yes" if imports.layer_has_bytecode() else "no",
            "-",
            None,
            "yes",
            imports.layer_has_bytecode(),
        ),
    ]
    return rows


# Each card's targets: dependent calls of a fresh activation, at most (its floor is 6 either
# way: the token; the connection branches and, on a new card, Data Prep's schemas and mapping
# set side by side; the flow; the PATCH; the read-back).
CHAIN_TARGETS = {"new S3 card": 7, "legacy S3 card": 8}
# Adding audiences to a flow the request names, on either card: the token; the flow (on a new
# card, the mapping set its last apply attached read beside it); the PATCH; the read-back.
ADD_CHAIN_FLOOR = 4
# The same request through ``python -m local run`` against the emulator served on its own.
CLI_CHAIN_TARGETS = {"new S3 card": 8, "legacy S3 card": 7}


def activation_rows(latency: float, requests: int) -> tuple[list[Row], list[str]]:
    """The warm figures on the card users run (the new S3 card) first, then the legacy one;
    the SQS throughput run on the legacy card."""
    rows: list[Row] = []
    notes: list[str] = []
    for label, example in (
        ("new S3 card", activations.NEW_CARD_EXAMPLE),
        ("legacy S3 card", activations.EXAMPLE),
    ):
        more, more_notes = card_rows(latency, label, example, requests if "legacy" in label else 0)
        rows += more
        notes += more_notes
    return rows, notes


def card_rows(
    latency: float, label: str, example: Path, requests: int
) -> tuple[list[Row], list[str]]:
    notes: list[str] = []
    bench = activations.Bench(latency, example)
    with bench.running():
        bench.fresh_adobe()
        cold = bench.activation(bench.request, cold=True)
        flow_id = bench.only_flow_id()
        existing = bench.activation(
            activations.adding_audience(bench.request, flow_id, 1), cold=True
        )
        warm_runs, tutorial_runs = [], []
        for _ in range(3):
            bench.fresh_adobe()
            bench.activation(bench.request, cold=False)  # loads every function once
            bench.fresh_adobe()
            warm_runs.append(bench.activation(bench.request, cold=False))
            bench.fresh_adobe()
            tutorial_runs.append(bench.tutorial())
        warm = activations.median_run(warm_runs)
        tutorial = activations.median_run(tutorial_runs)
        flow = None if requests <= 0 else activations.throughput(bench, requests)
    cli = activations.through_the_cli(example, latency)
    if not warm.branches_overlapped:
        notes.append(
            f"{label}: the Parallel branches did not overlap in time: the local runtime ran "
            "them one after the other, which AWS would not."
        )
    runs = ((cold, "fresh activation"), (existing, "existing flow"), (warm, "warm"), (cli, "CLI"))
    for run, what in runs:
        if run.status != "SUCCEEDED":
            notes.append(f"{label}, {what}: the execution ended {run.status}")
    floor = latency * warm.chain
    chain_target = CHAIN_TARGETS[label]
    rows = [
        Row(
            f"{label}: calls per fresh activation (cold)",
            str(cold.calls),
            f"tutorial {tutorial.calls}",
            cold.calls / tutorial.calls,
            "-",
            None,
        ),
        Row(
            f"{label}: IMS tokens, fresh activation (cold)",
            str(cold.tokens),
            "-",
            None,
            "<= 1",
            cold.tokens <= 1,
        ),
        Row(
            f"{label}: IMS tokens, warm activation",
            str(warm.tokens),
            "-",
            None,
            "0",
            warm.tokens == 0,
        ),
        Row(
            f"{label}: dependent calls, fresh activation (cold)",
            str(cold.chain),
            "floor 6",
            cold.chain / 6,
            f"<= {chain_target}",
            cold.chain <= chain_target,
        ),
        Row(
            f"{label}: dependent calls through the CLI, emulator served alone (cold, one run)",
            f"{cli.chain} ({cli.calls} calls)",
            f"in-process {cold.chain} ({cold.calls} calls)",
            cli.chain / cold.chain,
            f"<= {CLI_CHAIN_TARGETS[label]}",
            cli.chain <= CLI_CHAIN_TARGETS[label],
        ),
        Row(
            f"{label}: IMS tokens through the CLI, emulator served alone",
            str(cli.tokens),
            f"in-process {cold.tokens}",
            None,
            "1",
            cli.tokens == 1,
        ),
        Row(
            f"{label}: dependent calls, add audiences to a flow (cold)",
            str(existing.chain),
            f"floor {ADD_CHAIN_FLOOR}",
            existing.chain / ADD_CHAIN_FLOOR,
            f"<= {ADD_CHAIN_FLOOR}",
            existing.chain <= ADD_CHAIN_FLOOR,
        ),
        Row(
            f"{label}: warm activation at L={latency:g}s",
            f"{warm.seconds:.2f} s",
            f"chain {warm.chain} x L = {floor:.2f} s",
            warm.seconds / floor,
            "<= 1.25x",
            warm.seconds / floor <= 1.25,
        ),
        Row(
            f"{label}: warm activation vs the tutorial by hand at L={latency:g}s",
            f"{warm.seconds:.2f} s ({warm.calls} calls)",
            f"tutorial {tutorial.seconds:.2f} s ({tutorial.calls} calls)",
            warm.seconds / tutorial.seconds,
            "<= 1.0x",
            warm.seconds / tutorial.seconds <= 1.0,
        ),
    ]
    if flow is not None:
        ratio = flow.calls / flow.minimum_calls
        rows += [
            Row(
                f"{label}: throughput, {flow.requests} SQS requests onto {flow.dataflows} dataflows",
                f"{flow.seconds:.1f} s, {flow.per_second:.2f} exec/s",
                "-",
                None,
                "-",
                None,
            ),
            Row(
                f"{label}: throughput, calls per request",
                f"{flow.calls / flow.requests:.2f}",
                f"minimum {flow.minimum_calls / flow.requests:.2f}",
                ratio,
                "<= 1.3x",
                ratio <= 1.3 and flow.failed == 0,
            ),
            Row(
                f"{label}: throughput, 412s per request / IMS tokens in all",
                f"{flow.etag_conflicts / flow.requests:.2f} / {flow.tokens}",
                "-",
                None,
                "-",
                None,
            ),
        ]
        if flow.failed:
            notes.append(f"throughput: {flow.failed} execution(s) did not succeed")
    return rows, notes


def cold_rows(
    latency: float, rounds: int, *, without_pre_warm: bool = False, background_inits: int = 1
) -> tuple[list[Row], list[str], dict[str, float]]:
    """The new S3 card requested through SQS with every function cold, as a daily activation
    starts on AWS (init at full CPU, calls on MemorySize/1769 of a core), paired round by round
    with the new-card tutorial by hand: a fresh activation, then adding an audience to it.

    ``without_pre_warm``: each round also runs both with ValidateRequest's pre-warm off, so
    the lever's effect is read side by side, on the same machine state. ``background_inits``:
    how many warm-ups' inits the local runtime runs at once (Lambda runs every one at once)."""
    cold_starts = ColdStarts.detect(background_inits=background_inits)
    bench = activations.Bench(latency, activations.NEW_CARD_EXAMPLE, cold_starts=cold_starts)
    variants = ("", " without pre-warm") if without_pre_warm else ("",)
    fresh_runs: dict[str, list[activations.ColdRun]] = {v: [] for v in variants}
    add_runs: dict[str, list[activations.ColdRun]] = {v: [] for v in variants}
    tutorials: list[activations.Run] = []
    with bench.running():
        for number in range(1, rounds + 1):
            # Alternate which variant goes first, so neither always follows the tutorial.
            order = variants if number % 2 else variants[::-1]
            for variant in order:
                bench.pre_warm(not variant)
                bench.fresh_adobe()
                fresh_runs[variant].append(bench.cold_activation(bench.request))
                adding = activations.adding_audience(bench.request, bench.only_flow_id(), number)
                add_runs[variant].append(bench.cold_activation(adding))
            bench.fresh_adobe()
            tutorials.append(bench.tutorial())
        bench.pre_warm(True)
    notes = [f"Cold runs: CPU quota by {cold_starts.note}."]
    for variant in variants:
        for runs, what in ((fresh_runs, "cold fresh activation"), (add_runs, "cold add")):
            failed = [r.status for r in runs[variant] if r.status != "SUCCEEDED"]
            if failed:
                notes.append(
                    f"{what}{variant}: {len(failed)} execution(s) ended {', '.join(failed)}"
                )
    throttled = "" if cold_starts.quota else " (UNTHROTTLED)"
    tutorial = statistics.median(t.seconds for t in tutorials)

    def paired(runs: list[activations.ColdRun], figure: str, limit: float | None) -> Row:
        ratio = statistics.median(
            r.seconds / t.seconds for r, t in zip(runs, tutorials, strict=True)
        )
        middle = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]
        warmed = f", {middle.warm_ups} of them warm-ups" if middle.warm_ups else ""
        return Row(
            f"{figure}{throttled}, median of {rounds} paired runs",
            f"{statistics.median(r.seconds for r in runs):.2f} s ({middle.calls} calls, "
            f"{len(middle.cold_starts)} cold starts{warmed})",
            f"tutorial by hand {tutorial:.2f} s ({tutorials[0].calls} calls)",
            ratio,
            "-" if limit is None else f"<= {limit}x",
            None if limit is None else ratio <= limit,
        )

    deployed_fresh, deployed_add = fresh_runs[""], add_runs[""]
    first_calls = sorted(cpu for run in deployed_fresh for cpu in run.first_call_cpu.values())
    # Per function on the path, the median CPU of its cold first call over the runs.
    every_run = deployed_fresh + deployed_add
    per_function = {
        name: statistics.median(
            r.first_call_cpu[name] for r in every_run if name in r.first_call_cpu
        )
        for name in {n for r in every_run for n in r.first_call_cpu}
    }
    # Each init's CPU, and its wall time: an execution's own inits wait only for each other
    # and the path, the pre-warm's (lowest priority) for whatever CPU the path leaves.
    init_cpu = [s for run in deployed_fresh for s in run.init_cpu_seconds]
    path_walls = [s for run in deployed_fresh for s in run.init_seconds(warm_ups=False)]
    warm_up_walls = [s for run in deployed_fresh for s in run.init_seconds(warm_ups=True)]
    init = f"init (imports) {statistics.median(init_cpu):.3f} s CPU per function, full CPU"
    init += f"; wall {statistics.median(path_walls):.3f} s on the path"
    if warm_up_walls:
        init += f", {statistics.median(warm_up_walls):.3f} s for a warm-up"
    rows = []
    for variant in variants:
        target = not variant  # the targets are the deployed stack's; the others are references
        rows += [
            paired(
                fresh_runs[variant],
                f"cold fresh activation{variant}, new S3 card, SQS request to end",
                1.5 if target else None,
            ),
            paired(
                add_runs[variant],
                f"cold add-an-audience activation{variant}, new S3 card",
                1.0 if target else None,
            ),
        ]
    highest = max(per_function, key=lambda n: per_function[n])
    notes.append(
        "CPU of each function's cold first call, median: "
        + ", ".join(
            f"{name.removesuffix('Function')} {seconds * 1000:.1f} ms"
            for name, seconds in sorted(per_function.items(), key=lambda item: -item[1])
        )
        + "."
    )
    rows.append(
        Row(
            "CPU of a cold first call after import (median of every first call in the fresh "
            f"runs / highest function's median: {highest})",
            f"{statistics.median(first_calls):.3f} s / {per_function[highest]:.3f} s",
            init,
            None,
            "-",
            None,
        )
    )
    return rows, notes, per_function


# The table names its own terms, so a copy of it (the README's) reads on its own.
FIGURE_HEADER = (
    "figure (L: the latency the emulator adds to each Adobe answer; floor: the least possible,"
    " the packages imported alone or the fewest dependent calls)"
)


def print_table(rows: list[Row]) -> None:
    header = [FIGURE_HEADER, "project", "reference (same run)", "ratio", "target"]
    table = [header] + [row.cells() for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for index, cells in enumerate(table):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |")
        if index == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--rounds", type=int, default=5, help="fresh interpreters per import")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per Adobe answer")
    parser.add_argument("--requests", type=int, default=200, help="SQS requests (0: skip)")
    parser.add_argument(
        "--cold-rounds", type=int, default=11, help="paired cold activations (0: skip)"
    )
    parser.add_argument(
        "--without-pre-warm",
        action="store_true",
        help="cold rows also without the pre-warm, side by side in the same rounds",
    )
    parser.add_argument(
        "--background-inits",
        type=int,
        default=1,
        help="cold rows: how many warm-ups' inits run at once (default 1)",
    )
    parser.add_argument("--skip-activations", action="store_true")
    parser.add_argument("--skip-imports", action="store_true")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    notes: list[str] = []
    first_call_cpu: dict[str, float] = {}
    if args.cold_rounds > 0:
        rows, notes, first_call_cpu = cold_rows(
            args.latency,
            args.cold_rounds,
            without_pre_warm=args.without_pre_warm,
            background_inits=args.background_inits,
        )
    if not args.skip_imports:
        rows += import_rows(args.rounds, first_call_cpu)
    if not args.skip_activations:
        more, more_notes = activation_rows(args.latency, args.requests)
        rows += more
        notes += more_notes
        rows += [Row(*cells) for cells in watch.watch_rows(args.latency)]
    print_table(rows)
    for note in notes:
        print(f"\nNote: {note}")
    missed = [row.figure for row in rows if row.met is False]
    if missed:
        print(f"\n{len(missed)} target(s) missed: " + "; ".join(missed))
        return 1
    print("\nEvery target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
