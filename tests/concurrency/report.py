"""Print the concurrency figures (for ``make reliability``); exit 1 on any miss.

    .venv/bin/python -m tests.concurrency.report [--activations 10] [--per-activation 20]

Bursts through SQS and EventBridge for one new activation, then ``activations`` x
``per-activation`` requests through EventBridge (every execution started at once); each line gives the wall time, 412s, retries and
lease waits per request, and how many activations were inside their critical section at once.
"""

from __future__ import annotations

import argparse
import sys

from local.emulator import Emulator
from tests.concurrency.races import BurstOutcome, racing_stack, requests_for, run_burst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activations", type=int, default=10)
    parser.add_argument("--per-activation", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)

    outcomes: list[BurstOutcome] = []
    with Emulator() as emulator, racing_stack(emulator) as stack:
        for trigger in ("sqs", "eventbridge"):
            emulator.reset()
            requests = requests_for([f"report-{trigger}"], args.per_activation)
            outcomes.append(run_burst(trigger, stack, emulator, requests, args.timeout))
            print(outcomes[-1].figures(), flush=True)
        emulator.reset()
        names = [f"report-parallel-{index}" for index in range(args.activations)]
        requests = requests_for(names, args.per_activation)
        parallel = run_burst("eventbridge", stack, emulator, requests, args.timeout)
        outcomes.append(parallel)
        print(parallel.figures(), flush=True)

    problems = [p for outcome in outcomes for p in outcome.problems()]
    if args.activations > 1 and parallel.most_activations_at_once < 2:
        problems.append("activations did not progress in parallel")
    for problem in problems:
        print(f"MISS: {problem}", file=sys.stderr)
    print(f"concurrency: {'all held' if not problems else f'{len(problems)} miss(es)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
