"""Each handler thread sees its function's environment; other threads see the process's."""

from __future__ import annotations

import os
import threading

from local.runtime.environ import ThreadEnviron


def test_a_private_environment_is_seen_only_by_its_thread() -> None:
    process = {"SHARED": "1"}
    environ = ThreadEnviron(process)
    inside = environ.environment_with({"ROLE": "echo"})
    seen_elsewhere: list[dict[str, str]] = []
    entered, release = threading.Event(), threading.Event()

    def handler() -> None:
        with environ.private(inside):
            environ["WRITTEN"] = "yes"
            del environ["SHARED"]
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=handler)
    thread.start()
    entered.wait(5)
    seen_elsewhere.append(environ.copy())
    release.set()
    thread.join(5)

    assert seen_elsewhere == [{"SHARED": "1"}]
    assert process == {"SHARED": "1"}
    assert inside == {"ROLE": "echo", "WRITTEN": "yes"}


def test_installing_replaces_os_environ_and_getenv_until_uninstalled() -> None:
    real = os.environ
    environ = ThreadEnviron(real)
    environ.install()
    try:
        with environ.private(environ.environment_with({"LOCAL_RUNTIME_PROBE": "x"})):
            assert os.getenv("LOCAL_RUNTIME_PROBE") == "x"
            assert os.environ["LOCAL_RUNTIME_PROBE"] == "x"
        assert os.getenv("LOCAL_RUNTIME_PROBE") is None
    finally:
        environ.uninstall()
    assert os.environ is real
    assert "LOCAL_RUNTIME_PROBE" not in real
