"""The action server: Rasa SDK's app, answering only Rasa.

`rasa run actions` serves any caller, and an action trusts the tracker it is
sent (a forged `verified_sponsor_id` slot would read a sponsor's phone). So
every call but `/health` must carry the `ACTION_SECRET` that Rasa sends as a
header (`endpoints.yml`); the server listens on `ACTION_HOST` (loopback by
default). Run with `python -m actions.server --port 5055`.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

SECRET_HEADER = "X-Action-Secret"
OPEN_PATHS = {"/health"}

logger = logging.getLogger(__name__)


def protect(app: Sanic, secret: str) -> Sanic:
    """Refuse (403) every request but the health check without the secret."""
    if not secret:
        raise SystemExit("error: ACTION_SECRET is empty; start with python -m bot run")
    expected = secret.encode()

    @app.middleware("request")
    async def only_rasa(request: Request):
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            logger.warning("action_call_refused path=%s", request.path)
            return response.json({"error": "forbidden"}, status=403)
        return None

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    app = protect(create_app("actions"), os.environ.get("ACTION_SECRET", ""))
    host = os.environ.get("ACTION_HOST", "127.0.0.1")
    logger.info("action server on http://%s:%s", host, args.port)
    app.run(host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
