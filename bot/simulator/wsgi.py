"""Loopback WSGI servers for the simulator (tests, `make bench-load`) and for the
bridge in simulator mode."""

from __future__ import annotations

import socket
import struct
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from flask import Flask

from bot.simulator.fake_api import DROP_CONNECTION, SimulatorState, blueprint


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """A thread per request; connections marked dropped are reset, not closed.

    A reset (RST, SO_LINGER 0) after the request was read is what a client
    sees when a platform's front end dies mid-request: the request went out,
    no answer came back.
    """

    daemon_threads = True

    def server_activate(self) -> None:
        super().server_activate()
        self.dropped: set[socket.socket] = set()
        self.dropped_lock = threading.Lock()

    def drop(self, connection: socket.socket) -> None:
        with self.dropped_lock:
            self.dropped.add(connection)

    def shutdown_request(self, request) -> None:
        with self.dropped_lock:
            dropped = request in self.dropped
            self.dropped.discard(request)
        if not dropped:
            super().shutdown_request(request)
            return
        linger = struct.pack("ii", 1, 0)  # close() sends RST at once
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.close_request(request)


class _DroppableWriter:
    """The response stream; after a drop every write vanishes (no answer)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.dropped = False

    def write(self, data: bytes) -> int:
        return len(data) if self.dropped else self.inner.write(data)

    def flush(self) -> None:
        if not self.dropped:
            self.inner.flush()

    @property
    def closed(self) -> bool:
        return self.inner.closed

    def close(self) -> None:
        self.inner.close()


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_args) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.wfile = _DroppableWriter(self.wfile)

    def get_environ(self) -> dict:
        environ = super().get_environ()
        environ[DROP_CONNECTION] = self._drop
        return environ

    def _drop(self) -> None:
        self.wfile.dropped = True
        self.server.drop(self.connection)


def http_server(app, host: str, port: int) -> WSGIServer:
    """A threaded WSGI server that keeps header names with underscores.

    Zalo's APIs take `access_token` and `secret_key` headers; waitress (the
    bridge's production server) and werkzeug's server drop such headers, so the
    simulator (and the bridge in simulator mode) run on the standard library's
    wsgiref server, with a thread per request. It can also reset a request's
    connection (the simulator's "reset" fault).
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
