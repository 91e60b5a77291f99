"""The shared session reads proxy and CA settings from the environment only when one is set."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from aep_activation.http import DEFAULT_TIMEOUT, environment_configures_http, new_session, send

_SETTINGS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)


class _Recorder(http.server.ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str | None]] = []  # (request target, Authorization)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Recorder

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _SETTINGS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _get(url: str, **kwargs: object) -> None:
    with new_session() as session:
        send(session, "GET", url, timeout=DEFAULT_TIMEOUT, service="test", path="/", **kwargs)


@pytest.mark.parametrize("name", ["https_proxy", "HTTP_PROXY", "No_Proxy", "REQUESTS_CA_BUNDLE"])
def test_any_proxy_or_ca_variable_counts_whatever_its_case(name: str) -> None:
    assert environment_configures_http(["PATH", name])
    assert not environment_configures_http(["PATH", "AWS_REGION", "NETRC", "HTTP_PROXY_X"])


def test_a_proxy_set_in_the_environment_carries_the_calls(
    monkeypatch: pytest.MonkeyPatch, recorder: _Recorder
) -> None:
    monkeypatch.setenv("HTTP_PROXY", recorder.url)

    _get("http://adobe.invalid/data/foundation/flowservice/flows")

    # A forward proxy receives the absolute URL of the request it carries.
    assert recorder.seen == [("http://adobe.invalid/data/foundation/flowservice/flows", None)]


def test_without_proxy_settings_a_netrc_entry_does_not_replace_the_callers_authorization(
    monkeypatch: pytest.MonkeyPatch, recorder: _Recorder, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password elsewhere\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))

    _get(recorder.url + "/flows", headers={"Authorization": "Bearer the-token"})

    assert recorder.seen == [("/flows", "Bearer the-token")]
