"""The bridge's JSON client: real HTTP on loopback, proxies and CA bundle
from the environment (read once), and one exception for "no answer"."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.http_session import HttpFailure, JsonClient

PROXY_VARS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy")


class Echo(BaseHTTPRequestHandler):
    """Answers with what it got: method, path (absolute when proxied),
    headers and body; `/slow` waits, `/status/N` answers N."""

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.endswith("/slow"):
            time.sleep(1.0)
        status = int(self.path.rsplit("/", 1)[1]) if "/status/" in self.path else 200
        reply = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers),
                "body": body.decode(),
            }
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.send_header("Retry-After", "7")
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def self_signed(tmp_path) -> tuple[object, object]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture()
def tls_echo(tmp_path) -> Iterator[tuple[str, object]]:
    """The echo server behind TLS, with a self-signed certificate for
    127.0.0.1; yields its URL and the certificate file."""
    import ssl

    cert, key = self_signed(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_proxy_by_default(monkeypatch) -> None:
    for name in (*PROXY_VARS, "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_json_body_params_and_default_headers_reach_the_server(echo):
    client = JsonClient(echo, {"X-Bridge-Secret": "s3cret"})
    reply = client.request(
        "POST", "/me/messages", 5, json_body={"text": "Dạ"}, params={"a": "1 2"}
    )
    seen = reply.json()
    assert reply.ok and reply.status == 200
    assert seen["method"] == "POST"
    assert seen["path"] == "/me/messages?a=1+2"
    assert json.loads(seen["body"]) == {"text": "Dạ"}
    assert seen["headers"]["X-Bridge-Secret"] == "s3cret"
    assert seen["headers"]["Content-Type"] == "application/json"
    assert reply.headers["retry-after"] == "7"  # header names: any case


def test_a_form_body_is_url_encoded(echo):
    reply = JsonClient(echo).request("POST", "/f", 5, data={"grant_type": "x y"})
    seen = reply.json()
    assert seen["body"] == "grant_type=x+y"
    assert seen["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_an_error_status_is_a_reply_not_an_exception(echo):
    reply = JsonClient(echo).request("GET", "/status/503", 5)
    assert reply.status == 503 and not reply.ok


def test_a_body_that_is_not_json_raises_value_error():
    from connectors.http_session import Reply

    with pytest.raises(ValueError):
        Reply(200, b"<html>", {}).json()


def test_no_answer_raises_http_failure(echo):
    with pytest.raises(HttpFailure):
        JsonClient(echo).request("GET", "/slow", 0.2)  # timeout
    closed = JsonClient("http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(HttpFailure):
        closed.request("GET", "/", 2)


def test_the_environments_proxy_is_used(echo, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", echo)  # the echo server plays the proxy
    reply = JsonClient("http://graph.club.test").request("GET", "/me", 5)
    assert reply.json()["path"] == "http://graph.club.test/me"  # absolute: proxied


def test_no_proxy_hosts_go_direct(echo, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would fail
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert JsonClient(echo).request("GET", "/x", 5).json()["path"] == "/x"


def test_the_environment_is_read_once(echo, monkeypatch):
    client = JsonClient(echo)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # set too late
    assert client.request("GET", "/x", 5).status == 200


def test_ca_bundle_from_the_environment(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert JsonClient("https://openapi.zalo.me").ca_bundle == str(bundle)


def test_tls_is_verified_against_the_bundle(tls_echo, monkeypatch):
    url, cert = tls_echo
    with pytest.raises(HttpFailure):  # certifi's bundle does not know it
        JsonClient(url).request("GET", "/x", 5)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    assert JsonClient(url).request("GET", "/x", 5).json()["path"] == "/x"


def test_threads_share_a_client(echo):
    client, seen = JsonClient(echo), []

    def call(n: int) -> None:
        for i in range(5):
            seen.append(client.request("GET", f"/t{n}-{i}", 5).json()["path"])

    threads = [threading.Thread(target=call, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == sorted(f"/t{n}-{i}" for n in range(4) for i in range(5))


def test_a_post_without_a_body_says_so(echo):
    seen = JsonClient(echo).request("POST", "/empty", 5).json()
    assert (seen["method"], seen["headers"].get("Content-Length")) == ("POST", "0")


def test_a_call_does_not_inherit_the_last_calls_body(echo):
    client = JsonClient(echo)
    client.request("POST", "/a", 5, json_body={"x": 1})
    seen = client.request("GET", "/b", 5).json()
    assert (seen["method"], seen["body"]) == ("GET", "")
