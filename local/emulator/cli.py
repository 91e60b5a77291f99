"""``python -m local emulator``: run the emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from local.emulator.emulator import Emulator
from local.emulator.ims import DEFAULT_CLIENT, DEFAULT_SCOPES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0: any free)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--page-size", type=int, default=3, help="default list page size")
    parser.add_argument(
        "--patch-status",
        type=int,
        choices=(200, 202),
        default=200,
        help="PATCH /flows answers 200 {id, etag} or 202 without a body",
    )


def run(args: argparse.Namespace) -> int:
    emulator = Emulator(
        args.port, host=args.host, page_size=args.page_size, patch_status=args.patch_status
    )
    stopped = threading.Event()

    def _stop(*_: Any) -> None:
        stopped.set()

    # Both, explicitly: a shell starts a background job with SIGINT ignored, and Ctrl-C or
    # `kill -INT` must stop the emulator all the same.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with emulator:
        print(f"Flow Service emulator listening on {emulator.url}")
        print(f"  PLATFORM_URL={emulator.platform_url}")
        print(f"  IMS_URL={emulator.ims_url}")
        print(f"  admin:        {emulator.url}/__admin/health")
        # Local-only, well-known test credentials: printing them is the point.
        print(f"  client id:     {DEFAULT_CLIENT.client_id}")
        print(f"  client secret: {DEFAULT_CLIENT.client_secret}")
        print(f"  org id:        {DEFAULT_CLIENT.org_id}")
        print(f"  scopes:        {DEFAULT_SCOPES}")
        print("Ctrl-C to stop.", flush=True)
        try:
            while not stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("emulator stopped")
    return 0
