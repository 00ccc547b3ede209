"""A promotion loads the model into every Rasa server (RASA_URLS); fake Rasa
HTTP APIs on loopback record each `PUT /model`."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.ops.promotion import PromotionRefused, load_into_rasa
from bot.settings import load_settings


class FakeRasa:
    """`GET /status` names the loaded model; `PUT /model` loads another (204)
    unless `refuse`."""

    def __init__(self, model: str, refuse: bool = False) -> None:
        self.model, self.refuse, self.loads = model, refuse, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def do_GET(self) -> None:
                body = json.dumps({"model_file": fake.model}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                wanted = json.loads(self.rfile.read(length))["model_file"]
                fake.loads.append(wanted)
                if not fake.refuse:
                    fake.model = wanted
                self.send_response(500 if fake.refuse else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def old_model(tmp_path):
    path = tmp_path / "models" / "model-old.tar.gz"
    path.parent.mkdir()
    path.write_bytes(b"old")
    return path


def settings_for(tmp_path, monkeypatch, servers):
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("RASA_URLS", ",".join(s.url for s in servers))
    monkeypatch.setenv("TRACKER_URL", "postgresql://club@127.0.0.1:9/tracker")
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:9/1")
    return load_settings(tmp_path / "none.env")


def test_every_server_loads_the_new_model(tmp_path, monkeypatch, old_model):
    servers = [FakeRasa(str(old_model)), FakeRasa(str(old_model))]
    try:
        load_into_rasa(settings_for(tmp_path, monkeypatch, servers), "/m/new.tar.gz")
        assert [s.loads for s in servers] == [["/m/new.tar.gz"], ["/m/new.tar.gz"]]
    finally:
        for server in servers:
            server.close()


def test_one_refusing_puts_the_old_model_back_everywhere(
    tmp_path, monkeypatch, old_model
):
    servers = [FakeRasa(str(old_model)), FakeRasa(str(old_model), refuse=True)]
    try:
        settings = settings_for(tmp_path, monkeypatch, servers)
        with pytest.raises(PromotionRefused, match="không nạp được mô hình"):
            load_into_rasa(settings, "/m/new.tar.gz")
        assert servers[0].loads == ["/m/new.tar.gz", str(old_model.resolve())]
        assert servers[0].model == str(old_model.resolve())  # both serve the old one
    finally:
        for server in servers:
            server.close()
