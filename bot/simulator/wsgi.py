"""Loopback WSGI servers for the simulator (tests, `make bench-load`) and for the
bridge in simulator mode."""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from flask import Flask

from bot.simulator.fake_api import SimulatorState, blueprint


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_args) -> None:
        pass


def http_server(app, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server that keeps header names with underscores.

    Zalo's APIs take `access_token` and `secret_key` headers; waitress (the
    bridge's production server) and werkzeug's server drop such headers, so the
    simulator (and the bridge in simulator mode) run on the standard library's
    wsgiref server, with a thread per request.
    """
    return make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_Quiet
    )


class SimulatorServer:
    """The simulator on its own loopback port (tests, `make bench-load`)."""

    def __init__(self, state: SimulatorState, host: str = "127.0.0.1") -> None:
        app = Flask("simulator")
        app.register_blueprint(blueprint(state))
        self.server = http_server(app, host, 0)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SimulatorServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
