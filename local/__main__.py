"""``python -m local <command>``: ``emulator`` (serve Flow Service + IMS), ``run`` (the local
runtime, which executes the real state machine against the emulator) or ``watch`` (an
activation, then the export watch over simulated nights)."""

from __future__ import annotations

import argparse
import importlib
import sys

from local.emulator import cli as emulator_cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local")
    commands = parser.add_subparsers(dest="command", required=True)
    emulator_parser = commands.add_parser("emulator", help="run the Flow Service + IMS emulator")
    emulator_cli.add_arguments(emulator_parser)
    commands.add_parser(
        "run", help="run an activation end-to-end locally", add_help=False
    ).add_argument("rest", nargs=argparse.REMAINDER)
    commands.add_parser(
        "watch", help="activate, then watch the nightly exports", add_help=False
    ).add_argument("rest", nargs=argparse.REMAINDER)
    args, unknown = parser.parse_known_args(argv)
    if args.command == "emulator":
        if unknown:
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        return emulator_cli.run(args)
    # The local runtime is imported on demand: the emulator must not depend on it.
    module = "local.runtime.watch_demo" if args.command == "watch" else "local.runtime.cli"
    run_main = importlib.import_module(module).main
    result = run_main([*args.rest, *unknown])
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
