"""HTTP sessions for the bridge's busy clients (Rasa, Send API, OA API).

requests re-reads the proxy variables and `~/.netrc` from the environment on
every call of a session that trusts it; at a few calls per turn that was a
large share of the bridge's CPU. These sessions read the environment once,
when created (proxies for their base URL, `REQUESTS_CA_BUNDLE`), then stop
looking. Keep-alive comes with the session.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from requests.utils import get_environ_proxies


def session_for(base_url: str) -> requests.Session:
    session = requests.Session()
    session.proxies.update(get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False
    return session


def retry_after(response: requests.Response, limit: float = 3600.0) -> float | None:
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
