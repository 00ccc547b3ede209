"""CPU of one Send API call from the bridge's side: `requests` and urllib3
against the bridge's own client (`connectors.http_session.JsonClient`, on
libcurl through pycurl).

    .venv/bin/python -m bench.http_clients [--calls 1000]

A loopback server in this process answers like the Send API; each client
posts the same message with keep-alive, and the client thread's CPU time
(`time.thread_time`) is divided by the number of calls. The two are run in
turn, twice, so a busy machine weighs on both alike: compare their ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.http_session import JsonClient  # noqa: E402

BODY = {"recipient": {"id": "123"}, "message": {"text": "Dạ, chào bạn"}}
ANSWER = b'{"recipient_id":"123","message_id":"m.1"}'


class SendApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the Graph API

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args) -> None:
        pass


def clients(url: str) -> dict[str, Callable[[], object]]:
    trusting = requests.Session()
    plain = requests.Session()
    plain.trust_env = False
    ours = JsonClient(url)
    pool = urllib3.PoolManager(maxsize=16)
    params = {"access_token": "t"}
    return {
        "requests.Session": lambda: trusting.post(
            f"{url}/me/messages", params=params, json=BODY, timeout=5
        ).json(),
        "requests, trust_env=False": lambda: plain.post(
            f"{url}/me/messages", params=params, json=BODY, timeout=5
        ).json(),
        "urllib3.PoolManager": lambda: json.loads(
            pool.request(
                "POST",
                f"{url}/me/messages?access_token=t",
                body=json.dumps(BODY, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
                timeout=urllib3.Timeout(total=5),
                retries=False,
            ).data
        ),
        "JsonClient (libcurl)": lambda: ours.request(
            "POST", "/me/messages", 5, params=params, json_body=BODY
        ).json(),
    }


def cpu_per_call(call: Callable[[], object], calls: int) -> float:
    for _ in range(50):  # connections opened, caches warm
        call()
    start = time.thread_time()
    for _ in range(calls):
        call()
    return (time.thread_time() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), SendApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    figures: dict[str, list[float]] = {}
    for _ in range(2):
        for name, call in clients(url).items():
            figures.setdefault(name, []).append(cpu_per_call(call, args.calls))
    ours = min(figures["JsonClient (libcurl)"])
    print("| client | CPU µs per call (2 rounds) | ratio to JsonClient |")
    print("|---|---:|---:|")
    for name, values in figures.items():
        shown = " / ".join(f"{v * 1e6:.0f}" for v in values)
        print(f"| {name} | {shown} | {min(values) / ours:.2f} |")
    server.shutdown()


if __name__ == "__main__":
    main()
