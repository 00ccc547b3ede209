"""A small JSON-over-HTTP client for the bridge's busy calls (Rasa, Send API,
OA API), on urllib3 with keep-alive.

Why not `requests` here: on loopback a `requests` call cost about 1.6 times
the CPU of the same call made with urllib3, which `requests` runs on
(BENCHMARKS.md, *Bridge CPU per turn*), and the bridge makes two or three
such calls a turn. What `requests` gave for
free is kept: the proxy (`HTTPS_PROXY`, `NO_PROXY`) and the CA bundle
(`REQUESTS_CA_BUNDLE`) come from the environment, read once when the client
is made; failures to get any answer raise one exception type, `HttpFailure`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import certifi
import urllib3
from requests.utils import get_environ_proxies

POOL_SIZE = 16  # connections kept per host: one per worker thread and spare


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
    """Requests to one base URL; thread-safe (urllib3 pools are)."""

    def __init__(self, base_url: str, headers: Mapping[str, str] | None = None):
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.pool = _pool_for(self.base_url)

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
        try:
            answer = self.pool.request(
                method,
                url,
                body=body,
                headers=sent,
                timeout=urllib3.Timeout(total=timeout),
                retries=False,
                redirect=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise HttpFailure(type(error).__name__) from error
        return Reply(answer.status, answer.data, answer.headers)


def _pool_for(base_url: str) -> urllib3.PoolManager:
    """A pool manager that goes through the environment's proxy for this URL,
    if any, and verifies TLS against the environment's CA bundle or certifi's."""
    bundle = (
        os.environ.get("REQUESTS_CA_BUNDLE")
        or os.environ.get("CURL_CA_BUNDLE")
        or certifi.where()
    )
    options: dict[str, Any] = {
        "maxsize": POOL_SIZE,
        "cert_reqs": "CERT_REQUIRED",
        "ca_certs": bundle,
    }
    scheme = base_url.split("://", 1)[0].lower()
    proxies = get_environ_proxies(base_url)
    proxy = proxies.get(scheme) or proxies.get("all")
    if proxy:
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)


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
