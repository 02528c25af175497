"""The app under test in a real HTTP server on loopback, for browser tests.

The listening socket is bound (on a free port chosen by the kernel) before the app exists, so BASE_URL can
carry the real address and links in mails point back at this server:

    live_app_config  binds the socket and sets app_config["BASE_URL"] = "http://127.0.0.1:<port>"
    live_server      then serves the `app` fixture's app from a background thread, stopped after the test

Request `live_server` (it pulls in `live_app_config` before `app`); its `url` is the base address.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

HOST = "127.0.0.1"


class _QuietHandler(WSGIRequestHandler):
    """Keeps the access log out of the test output (errors are still logged)."""

    def log_request(self, code="-", size="-") -> None:  # noqa: D102 - werkzeug hook
        pass


def _not_ready(_environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"the app under test is not being served yet"]


@dataclass
class LiveServer:
    """A werkzeug server on loopback serving one app in a background thread."""

    server: BaseWSGIServer
    thread: threading.Thread | None = None
    app: object | None = None
    _stopped: bool = field(default=False, repr=False)

    @classmethod
    def bind(cls) -> LiveServer:
        """Listen on a free port of 127.0.0.1 (nothing is served until `serve`)."""
        return cls(make_server(HOST, 0, _not_ready, threaded=True, request_handler=_QuietHandler))

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self.server.server_port

    @property
    def url(self) -> str:
        """The base address, e.g. http://127.0.0.1:54321 (no trailing slash)."""
        return f"http://{HOST}:{self.port}"

    def serve(self, app) -> LiveServer:
        """Serve the app from a daemon thread."""
        self.app = app
        self.server.app = app
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       name=f"live-server-{self.port}", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wait for the thread and close the socket (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        if self.thread is not None:
            self.server.shutdown()
            self.thread.join(timeout=10)
        self.server.server_close()

    def __call__(self, path: str = "/") -> str:
        """The absolute URL of a path on this server."""
        return self.url + (path if path.startswith("/") else "/" + path)


@pytest.fixture
def _live_http_server():
    """The bound (not yet serving) server; closed after the test."""
    server = LiveServer.bind()
    yield server
    server.stop()


@pytest.fixture
def live_app_config(app_config, _live_http_server):
    """`app_config` with BASE_URL set to the live server's address (request it before `app`)."""
    app_config["BASE_URL"] = _live_http_server.url
    return app_config


@pytest.fixture
def live_server(live_app_config, _live_http_server, app):
    """The test's app served over real HTTP on 127.0.0.1; `live_server.url` is its base address."""
    base_url = app.config["SETTINGS"].base_url
    if base_url != _live_http_server.url:
        pytest.fail(f"the app was built with BASE_URL={base_url!r} before live_server set it to "
                    f"{_live_http_server.url!r}: request `live_server` before `app` in the test's arguments",
                    pytrace=False)
    _live_http_server.serve(app)
    yield _live_http_server
    _live_http_server.stop()
