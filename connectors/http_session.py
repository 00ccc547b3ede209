"""A small JSON-over-HTTP client for the bridge's busy calls (Rasa, Send API,
OA API), on libcurl (pycurl) with keep-alive.

Why not `requests` or urllib3 here: the bridge makes two or three such calls
a turn, and on loopback a call through urllib3 cost about twice the CPU of
the same call through libcurl, and through `requests` about three times
(BENCHMARKS.md, *Bridge CPU per turn*). What `requests` gave for free is
kept: the proxy (`HTTPS_PROXY`, `NO_PROXY`) and the CA bundle
(`REQUESTS_CA_BUNDLE`) come from the environment, read once when the client
is made; failures to get any answer raise one exception type, `HttpFailure`.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

import certifi
import pycurl
from requests.structures import CaseInsensitiveDict
from requests.utils import get_environ_proxies

BODY_METHODS = {"POST", "PUT", "PATCH"}


class HttpFailure(Exception):
    """No answer: connection refused or reset, timeout, TLS or proxy error."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str]

    @property
    def ok(self) -> bool:
        return self.status < 400

    def json(self) -> Any:
        """The decoded body; ValueError when it is not JSON."""
        return json.loads(self.body)


class JsonClient:
    """Requests to one base URL; thread-safe: each thread has its own curl
    handle, which keeps its connection alive between calls."""

    def __init__(self, base_url: str, headers: Mapping[str, str] | None = None):
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.proxy = _proxy_for(self.base_url)
        self.ca_bundle = (
            os.environ.get("REQUESTS_CA_BUNDLE")
            or os.environ.get("CURL_CA_BUNDLE")
            or certifi.where()
        )
        self._local = threading.local()

    def request(
        self,
        method: str,
        path: str,
        timeout: float,
        *,
        json_body: Any = None,
        data: bytes | Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        url = f"{self.base_url}{path}"
        if params:
            url = f"{url}?{urlencode(params)}"
        sent = {**self.headers, **(headers or {})}
        body = data
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            sent.setdefault("Content-Type", "application/json")
        elif isinstance(data, Mapping):
            body = urlencode(data).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return self._perform(method, url, body, sent, timeout)

    def _perform(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        timeout: float,
    ) -> Reply:
        handle = self._handle()
        received, head = BytesIO(), _Head()
        handle.setopt(pycurl.URL, url)
        handle.setopt(pycurl.CUSTOMREQUEST, method)
        if body is not None or method in BODY_METHODS:
            handle.setopt(pycurl.POSTFIELDS, body or b"")  # Content-Length: 0
        # "Expect:" stops libcurl from waiting for a "100 Continue" first.
        lines = [f"{name}: {value}" for name, value in headers.items()]
        handle.setopt(pycurl.HTTPHEADER, [*lines, "Expect:"])
        handle.setopt(pycurl.TIMEOUT_MS, max(1, int(timeout * 1000)))
        handle.setopt(pycurl.WRITEDATA, received)
        handle.setopt(pycurl.HEADERFUNCTION, head.line)
        try:
            handle.perform()
            status = handle.getinfo(pycurl.RESPONSE_CODE)
        except pycurl.error as error:
            raise HttpFailure(_reason(error)) from error
        finally:
            handle.reset()  # keeps the connection; clears this call's options
            self._configure(handle)
        return Reply(status, received.getvalue(), head.fields)

    def _handle(self) -> pycurl.Curl:
        handle = getattr(self._local, "handle", None)
        if handle is None:
            handle = self._local.handle = pycurl.Curl()
            self._configure(handle)
        return handle

    def _configure(self, handle: pycurl.Curl) -> None:
        """The options every call shares (`reset` clears them)."""
        handle.setopt(pycurl.PROXY, self.proxy)  # "": none, whatever the env says
        handle.setopt(pycurl.CAINFO, self.ca_bundle)
        handle.setopt(pycurl.NOSIGNAL, 1)  # timeouts without SIGALRM (threads)


class _Head:
    """Response header lines as a case-insensitive mapping (the last
    response's only: a proxy's or a "100 Continue" head comes first)."""

    def __init__(self) -> None:
        self.fields: CaseInsensitiveDict[str] = CaseInsensitiveDict()

    def line(self, raw: bytes) -> None:
        text = raw.decode("latin-1").strip()
        if text.startswith("HTTP/"):
            self.fields = CaseInsensitiveDict()
        elif ":" in text:
            name, _, value = text.partition(":")
            self.fields[name.strip()] = value.strip()


def _reason(error: pycurl.error) -> str:
    code, message = error.args if len(error.args) == 2 else (0, str(error))
    return f"curl {code}: {message}"


def _proxy_for(base_url: str) -> str:
    """The environment's proxy for this URL ("" for none), as `requests`
    reads it: HTTP(S)_PROXY, ALL_PROXY, NO_PROXY."""
    scheme = base_url.split("://", 1)[0].lower()
    proxies = get_environ_proxies(base_url)
    return proxies.get(scheme) or proxies.get("all") or ""


def retry_after(response: Reply, limit: float = 3600.0) -> float | None:
    """Seconds the platform asked us to wait (`Retry-After`), None without one.

    The header is either a number of seconds or an HTTP date; anything else,
    or a date in the past, is no hint.
    """
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    if seconds != seconds or seconds <= 0:  # NaN or past
        return None
    return min(seconds, limit)
