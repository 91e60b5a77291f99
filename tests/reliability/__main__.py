"""``python -m tests.reliability`` (``make reliability``): the fault matrix and bad input through
every trigger, on the real state machine, template and handlers against the emulator.

Prints the matrix (call x fault -> status, stop state, error, attempts, resources) and the
bad-input totals; exits 1 when any cell or bad-input run does not hold as the README's reliability section defines it
(a listed known gap that fails is expected; one that holds is not, so the list shrinks).
"""

from __future__ import annotations

import argparse
import sys
import time

from local.emulator import Emulator
from local.runtime import LocalDeployment
from tests.reliability import bad_input, matrix
from tests.statemachine.conftest import TEMPLATE, seed_destination_secrets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability")
    parser.add_argument(
        "--slice", action="store_true", help="one fault per call instead of the full matrix"
    )
    parser.add_argument("--skip-matrix", action="store_true")
    parser.add_argument("--skip-bad-input", action="store_true")
    args = parser.parse_args(argv)
    ok = True
    with (
        Emulator() as emulator,
        LocalDeployment.against(
            emulator, TEMPLATE, env_overrides=matrix.STACK_ENVIRONMENT
        ) as stack,
    ):
        seed_destination_secrets(stack)
        if not args.skip_matrix:
            ok &= _matrix(emulator, stack, args.slice)
        if not args.skip_bad_input:
            ok &= _bad_input(emulator, stack)
    verdict = "every cell holds (or is a listed known gap)" if ok else "SOME CELLS DO NOT HOLD"
    print("\nmake reliability:", verdict)
    return 0 if ok else 1


def _matrix(emulator: Emulator, stack: LocalDeployment, slice_only: bool) -> bool:
    cells = (
        matrix.diagonal()
        if slice_only
        else [(call, fault) for call in matrix.CALLS for fault in matrix.FAULTS]
    )
    print(
        f"Fault matrix: {len(cells)} runs of examples/{matrix.REQUEST}.json (the Data Prep "
        f"calls: examples/{matrix.NEW_CARD_REQUEST}.json); handler read "
        f"timeout {matrix.READ_TIMEOUT}s, slow answers {matrix.SLOW_ANSWER}s.\n"
        "att = attempts of the state making the call; sent = times the call was sent; "
        "pb/db/sc/tc/fl = profile base, destination base, source, target connections, flows.\n"
    )
    print(matrix.HEADER)
    started = time.monotonic()
    done = matrix.run_matrix(
        emulator, stack, cells, progress=lambda cell: print(matrix.row(cell), flush=True)
    )
    print(f"\n{time.monotonic() - started:.0f} s")
    for line in matrix.summary(done):
        print(line)
    return all(cell.as_expected for cell in done)


def _bad_input(emulator: Emulator, stack: LocalDeployment) -> bool:
    print("\nBad input through every trigger:")
    started = time.monotonic()
    report = bad_input.run_all(emulator, stack)
    for line in report.lines():
        print(line)
    print(f"{time.monotonic() - started:.0f} s")
    return report.ok


if __name__ == "__main__":
    sys.exit(main())
