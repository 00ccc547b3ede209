"""HTTP sessions for the bridge's busy clients (Rasa, Send API, OA API).

requests re-reads the proxy variables and `~/.netrc` from the environment on
every call of a session that trusts it; at a few calls per turn that was a
large share of the bridge's CPU. These sessions read the environment once,
when created (proxies for their base URL, `REQUESTS_CA_BUNDLE`), then stop
looking. Keep-alive comes with the session.
"""

from __future__ import annotations

import os

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
